package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arithmetic of the round method (no processes, no timing): medians and quartiles, pairing each round's value
 * with its reference from the same round, the rotating order, the goal verdicts, the plan file and the class-loader
 * rule.
 */
class RoundsTest
{
    private static final double EPSILON = 1e-9;

    @TempDir
    Path dir;

    @Test
    void medianOfOddAndEvenCountsAndUnsortedInput()
    {
        assertEquals(3.0, Rounds.median(new double[]{5, 1, 3}), EPSILON);
        assertEquals(2.5, Rounds.median(new double[]{4, 1, 3, 2}), EPSILON);
        assertEquals(7.0, Rounds.median(new double[]{7}), EPSILON);
        assertThrows(IllegalArgumentException.class, () -> Rounds.median(new double[0]));
    }

    @Test
    void quartilesInterpolateBetweenClosestRanksLikeNumpy()
    {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
        final Rounds.Spread four = Rounds.spread(new double[]{4, 2, 1, 3});
        assertEquals(1.75, four.q1, EPSILON);
        assertEquals(2.5, four.median, EPSILON);
        assertEquals(3.25, four.q3, EPSILON);
        assertEquals(1.5, four.iqr(), EPSILON);
        assertEquals(0.6, four.relativeIqr(), EPSILON);
        assertEquals(4, four.count);
        // numpy.percentile([1, 2, 3, 4, 100], [25, 50, 75]) == [2, 3, 4]: one wild round does not move them
        final Rounds.Spread outlier = Rounds.spread(new double[]{1, 2, 3, 4, 100});
        assertEquals(2.0, outlier.q1, EPSILON);
        assertEquals(3.0, outlier.median, EPSILON);
        assertEquals(4.0, outlier.q3, EPSILON);
        final Rounds.Spread one = Rounds.spread(new double[]{1.2});
        assertEquals(1.2, one.q1, EPSILON);
        assertEquals(1.2, one.q3, EPSILON);
        assertTrue(Double.isNaN(Rounds.spread(new double[0]).median));
        assertThrows(IllegalArgumentException.class, () -> Rounds.quantile(new double[]{1}, 1.5));
    }

    @Test
    void eachRoundIsPairedWithTheReferenceOfTheSameRound()
    {
        // the floor drifts 4x between rounds; the variant is 1.2x its floor in every round
        final double[] floor = {100, 400, 100, 400};
        final double[] variant = {120, 480, 120, 480};
        assertArrayEquals(new double[]{1.2, 1.2, 1.2, 1.2}, Rounds.ratios(variant, floor), EPSILON);
        assertThrows(IllegalArgumentException.class, () -> Rounds.ratios(new double[]{1, 2}, new double[]{1}));
        assertThrows(IllegalArgumentException.class, () -> Rounds.ratios(new double[]{1}, new double[]{0}));
    }

    @Test
    void ratioSpreadsPairHistogramsRoundByRoundAndSkipEmptyRounds()
    {
        final Histogram[] floor = {histogram(100, 1000), histogram(400, 1000), histogram(100, 1000),
            PeerCommand.newHistogram()};
        final Histogram[] variant = {histogram(150, 1000), histogram(600, 1000), histogram(150, 1000),
            histogram(999, 10)};
        final Rounds.Spread[] spreads = Rounds.ratioSpreads(variant, floor);
        assertEquals(Rounds.PERCENTILES.length, spreads.length);
        for (final Rounds.Spread s : spreads)
        {
            assertEquals(1.5, s.median, 0.01, "every round is 1.5x its own floor");
            assertEquals(3, s.count, "the round without a floor is left out");
        }
        // one wild round (the VM moved a vCPU during the variant's slice) does not move the median
        final Histogram[] wildFloor = {histogram(100, 100), histogram(100, 100), histogram(100, 100)};
        final Histogram[] wild = {histogram(150, 100), histogram(900, 100), histogram(150, 100)};
        assertEquals(1.5, Rounds.ratioSpreads(wild, wildFloor)[0].median, 0.01);
        final Rounds.Spread[] values = Rounds.valueSpreads(floor);
        assertEquals(100, values[0].median, 1);
        assertEquals(3, values[0].count);
    }

    @Test
    void everyVariantRunsInEveryPositionAndGroupMembersStayAdjacent()
    {
        final int[][] one = {{0, 1, 2, 3}};
        assertArrayEquals(new int[]{0, 1, 2, 3}, Rounds.order(one, 0));
        assertArrayEquals(new int[]{1, 2, 3, 0}, Rounds.order(one, 1));
        for (int position = 0; position < 4; position++)
        {
            final Set<Integer> seen = new HashSet<>();
            for (int r = 0; r < 4; r++)
            {
                seen.add(Rounds.order(one, r)[position]);
            }
            assertEquals(4, seen.size(), "position " + position + " over 4 rounds");
        }
        final int[][] pairs = {{0, 1}, {2, 3}, {4, 5}};
        for (int r = 0; r < 6; r++)
        {
            final int[] order = Rounds.order(pairs, r);
            assertEquals(6, order.length);
            for (int i = 0; i < 6; i += 2)
            {
                assertEquals(order[i] / 2, order[i + 1] / 2, "round " + r + ": a size's two rings run back to back");
            }
        }
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5}, Rounds.order(pairs, 0));
        assertArrayEquals(new int[]{3, 2, 5, 4, 1, 0}, Rounds.order(pairs, 1), "groups and members both rotate");
    }

    @Test
    void roundsWithADescheduledThreadAreDroppedForEveryVariant()
    {
        assertArrayEquals(new int[]{0, 2, 3}, Rounds.cleanRounds(new double[]{99, 52, 95, 90, 89.9}, 90));
        // three of five rounds descheduled: in those both sides waited out the same 4-5 ms time slices
        final int[] kept = Rounds.cleanRounds(new double[]{99, 52, 95, 60, 89.9}, 90);
        assertArrayEquals(new int[]{0, 2}, kept);
        final Histogram[] floor = {histogram(100, 10), histogram(5_000_000, 10), histogram(110, 10),
            histogram(4_000_000, 10), histogram(4_000_000, 10)};
        final Histogram[] ring = {histogram(150, 10), histogram(5_000_000, 10), histogram(165, 10),
            histogram(4_000_000, 10), histogram(4_000_000, 10)};
        assertEquals(1.0, Rounds.ratioSpreads(ring, floor)[0].median, 0.01, "all rounds: the scheduler's 1.0");
        assertEquals(1.5, Rounds.ratioSpreads(Rounds.select(ring, kept), Rounds.select(floor, kept))[0].median, 0.01,
            "clean rounds: the mechanism");
        assertArrayEquals(new double[]{1, 3}, Rounds.select(new double[]{1, 2, 3, 4, 5}, kept), EPSILON);
        assertEquals(0, Rounds.cleanRounds(new double[]{50, 60}, 90).length);
    }

    @Test
    void goalsAreJudgedOnTheMedianUnlessTheRoundsDisagree()
    {
        assertEquals(Rounds.Verdict.MET, Rounds.atMost(new Rounds.Spread(0.97, 0.95, 0.99, 20), 1.0));
        assertEquals(Rounds.Verdict.NOT_MET, Rounds.atMost(new Rounds.Spread(1.03, 1.01, 1.05, 20), 1.0));
        // wide, but every round is on the same side of the limit: judged
        assertEquals(Rounds.Verdict.NOT_MET, Rounds.atMost(new Rounds.Spread(1.5, 1.2, 1.9, 20), 1.0));
        // wide and the limit inside the IQR: not judged
        assertEquals(Rounds.Verdict.TOO_WIDE, Rounds.atMost(new Rounds.Spread(0.98, 0.80, 1.20, 20), 1.0));
        assertEquals(Rounds.Verdict.TOO_WIDE, Rounds.atLeast(new Rounds.Spread(1.02, 0.80, 1.20, 20), 1.0));
        assertEquals(Rounds.Verdict.MET, Rounds.atLeast(new Rounds.Spread(1.2, 1.18, 1.22, 20), 1.0));
        assertTrue(Rounds.withinOfOne(new Rounds.Spread(1.04, 0.9, 1.1, 20), 0.05));
        assertFalse(Rounds.withinOfOne(new Rounds.Spread(0.94, 0.9, 1.0, 20), 0.05));
    }

    @Test
    void slicesAndRoundsFollowTheCommandLine()
    {
        final RoundPlan byTime = new RoundPlan();
        PingPongCommand.sliceAndRounds(byTime, RunLength.of("1s", null, Duration.ofSeconds(20), "20s"), null,
            Duration.ofSeconds(1), 4);
        assertEquals(20, byTime.rounds);
        assertEquals(250_000_000L, byTime.sliceNanos, "a round is shared by the four variants");
        assertEquals(20_000_000L, byTime.settleNanos);
        assertEquals(1_000_000_000L, byTime.warmupNanos);
        final RoundPlan byCount = new RoundPlan();
        PingPongCommand.sliceAndRounds(byCount, RunLength.of("500", 2000L, null, "20s"), 3, Duration.ofSeconds(1), 4);
        assertEquals(3, byCount.rounds);
        assertEquals(2000, byCount.sliceCount);
        assertEquals(200, byCount.settleCount);
        assertEquals(500, byCount.warmupCount);
        assertThrows(IllegalArgumentException.class, () -> PingPongCommand.sliceAndRounds(new RoundPlan(),
            RunLength.of("1s", null, Duration.ofSeconds(2), "2s"), 0, Duration.ofSeconds(1), 2));
    }

    @Test
    void thePlanFileRoundTrips()
    {
        final RoundPlan plan = new RoundPlan();
        plan.mode = "throughput";
        plan.add(RoundPlan.Variant.floor("floor", 0));
        final RoundPlan.Variant ring = RoundPlan.Variant.ring("shmipc 32B", "shmipc", 32, "busy-spin");
        ring.trustWriter = true;
        ring.segment = "/dev/shm/x";
        plan.add(ring);
        plan.add(RoundPlan.Variant.ring("agrona 32B", "agrona", 32, "busy-spin"));
        plan.groups = new int[][]{{0}, {1, 2}};
        plan.rounds = 7;
        plan.sliceNanos = 123;
        plan.settleNanos = 12;
        plan.warmupCount = 99;
        final Path file = dir.resolve("plan.properties");
        plan.write(file);
        final RoundPlan read = RoundPlan.read(file);
        assertEquals("throughput", read.mode);
        assertEquals(3, read.variants.size());
        assertEquals("0;1,2", RoundPlan.groupsText(read.groups));
        assertEquals(7, read.rounds);
        assertEquals(123, read.sliceNanos);
        assertEquals(99, read.warmupCount);
        assertTrue(read.variants.get(0).isFloor());
        assertTrue(read.variants.get(1).trustWriter);
        assertEquals("/dev/shm/x", read.options(1).get("segment"));
        assertEquals("agrona", read.variants.get(2).layout);
        assertEquals(2, read.indexOf("agrona 32B"));
    }

    @Test
    void eachVariantGetsItsOwnCopyOfOurClassesAndAgronasButSharesTheInterface() throws Exception
    {
        assertTrue(VariantLoader.isolated("io.shmipc.core.ring.SimpleIpcRingBuffer"));
        assertTrue(VariantLoader.isolated("org.agrona.concurrent.ringbuffer.OneToOneRingBuffer"));
        assertFalse(VariantLoader.isolated(RoundVariant.class.getName()));
        assertFalse(VariantLoader.isolated("org.HdrHistogram.Histogram"));
        try (VariantLoader a = VariantLoader.newLoader("a"); VariantLoader b = VariantLoader.newLoader("b"))
        {
            final Class<?> pingerA = Class.forName(RingPinger.class.getName(), false, a);
            final Class<?> pingerB = Class.forName(RingPinger.class.getName(), false, b);
            assertNotSame(RingPinger.class, pingerA);
            assertNotSame(pingerA, pingerB);
            assertSame(RoundVariant.class, Class.forName(RoundVariant.class.getName(), false, a));
            assertSame(Histogram.class, Class.forName(Histogram.class.getName(), false, a));
        }
    }

    private static Histogram histogram(final long value, final int count)
    {
        final Histogram h = PeerCommand.newHistogram();
        h.recordValueWithCount(value, count);
        return h;
    }
}
