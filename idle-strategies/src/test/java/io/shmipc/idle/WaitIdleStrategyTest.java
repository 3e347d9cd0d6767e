package io.shmipc.idle;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WaitIdleStrategyTest
{
    private static final long TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(7);

    private final List<String> log = new ArrayList<>();
    private final RecordingSignal signal = new RecordingSignal(log);
    @Test
    void spinsThenYieldsThenBlocksOneStepPerCall()
    {
        final WaitIdleStrategy strategy = new WaitIdleStrategy(3, 2, 0, 0, TIMEOUT_NS, signal, null);
        for (int i = 0; i < 5; i++)
        {
            strategy.idle(0);
            assertEquals(List.of(), log, "step " + i + " is a spin or a yield and must not touch the signal");
        }
        strategy.idle(0);
        assertEquals(List.of("await", "drain"), log);
        assertEquals(TIMEOUT_NS, signal.lastTimeoutNs);

        strategy.idle(0);
        assertEquals(List.of("await", "drain", "await", "drain"), log, "stays in the block phase");
    }

    @Test
    void blocksThatTimeOutDoubleTheNextTimeoutUpToMaxTimeoutAndAPostOrWorkReturnsIt()
    {
        final WaitIdleStrategy strategy = new WaitIdleStrategy(0, 0, 0, 0, 20_000, 100_000, signal, null);
        final List<Long> timeouts = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            strategy.idle(0);
            timeouts.add(signal.lastTimeoutNs);
        }
        assertEquals(List.of(20_000L, 40_000L, 80_000L, 100_000L, 100_000L), timeouts);

        signal.posted = true;
        strategy.idle(0);
        assertEquals(100_000L, signal.lastTimeoutNs);
        signal.posted = false;
        strategy.idle(0);
        assertEquals(20_000L, signal.lastTimeoutNs, "a post returns the next block to timeoutNs");
        strategy.idle(0);
        assertEquals(40_000L, signal.lastTimeoutNs);
        strategy.idle(1);
        strategy.idle(0);
        assertEquals(20_000L, signal.lastTimeoutNs, "so does work");

        final WaitIdleStrategy fixed = new WaitIdleStrategy(0, 0, 0, 0, 20_000, signal, null);
        fixed.idle(0);
        fixed.idle(0);
        assertEquals(20_000L, signal.lastTimeoutNs, "without maxTimeoutNs every block is timeoutNs");
    }

    @Test
    void parksWithDoublingPeriodUntilMaxParkThenBlocks()
    {
        final WaitIdleStrategy strategy = new WaitIdleStrategy(0, 0, 1_000, 4_000, TIMEOUT_NS, signal, null);
        for (int i = 0; i < 3; i++) // parks of 1us, 2us, 4us
        {
            strategy.idle();
            assertEquals(0, signal.awaits, "park " + i);
        }
        strategy.idle();
        assertEquals(1, signal.awaits);
    }

    @Test
    void parkPhaseStopsAtMaxParkEvenWhenNotAPowerOfTwoOfMinPark()
    {
        final WaitIdleStrategy strategy = new WaitIdleStrategy(0, 0, 1_000, 5_000, TIMEOUT_NS, signal, null);
        for (int i = 0; i < 4; i++) // 1us, 2us, 4us, 5us
        {
            strategy.idle();
        }
        assertEquals(0, signal.awaits);
        strategy.idle();
        assertEquals(1, signal.awaits);
    }

    @Test
    void workResetsToTheSpinPhase()
    {
        final WaitIdleStrategy strategy = new WaitIdleStrategy(2, 0, 0, 0, TIMEOUT_NS, signal, null);
        strategy.idle(0);
        strategy.idle(0);
        strategy.idle(0);
        assertEquals(1, signal.awaits);

        strategy.idle(5);
        strategy.idle(0);
        strategy.idle(0);
        assertEquals(1, signal.awaits, "after work, the two spins come first again");
        strategy.idle(0);
        assertEquals(2, signal.awaits);

        strategy.reset();
        strategy.idle();
        strategy.idle();
        assertEquals(2, signal.awaits, "after reset(), the two spins come first again");
    }

    @Test
    void guardIsAskedBeforeBlockingAndReleasedAfterDraining()
    {
        final RecordingGuard guard = new RecordingGuard(log, true);
        new WaitIdleStrategy(0, 0, 0, 0, TIMEOUT_NS, signal, guard).idle();
        assertEquals(List.of("prepareToSleep", "await", "drain", "awake"), log);
    }

    @Test
    void guardThatSeesWorkPreventsTheBlock()
    {
        final RecordingGuard guard = new RecordingGuard(log, false);
        final WaitIdleStrategy strategy = new WaitIdleStrategy(0, 0, 0, 0, TIMEOUT_NS, signal, guard);
        strategy.idle();
        assertEquals(List.of("prepareToSleep"), log, "no wait, and no awake() for a withdrawn announcement");
    }

    @Test
    void guardIsReleasedWhenTheWaitFails()
    {
        final RecordingGuard guard = new RecordingGuard(log, true);
        final WakeSignal failing = new RecordingSignal(log)
        {
            public boolean await(final long timeoutNanos)
            {
                throw new IllegalStateException("boom");
            }
        };
        final WaitIdleStrategy strategy = new WaitIdleStrategy(0, 0, 0, 0, TIMEOUT_NS, failing, guard);
        assertThrows(IllegalStateException.class, strategy::idle);
        assertEquals(List.of("prepareToSleep", "awake"), log);
    }

    @Test
    void constructorRejectsBadValuesNamingTheParameter()
    {
        assertMessage("maxSpins must be >= 0, got -1", () -> new WaitIdleStrategy(-1, 0, 0, 0, 1, signal, null));
        assertMessage("maxYields must be >= 0, got -2", () -> new WaitIdleStrategy(0, -2, 0, 0, 1, signal, null));
        assertMessage("minParkPeriodNs must be within 1..10 (maxParkPeriodNs), got 11",
            () -> new WaitIdleStrategy(0, 0, 11, 10, 1, signal, null));
        assertMessage("minParkPeriodNs must be within 1..10 (maxParkPeriodNs), got 0",
            () -> new WaitIdleStrategy(0, 0, 0, 10, 1, signal, null));
        assertMessage("maxParkPeriodNs must be >= 0, got -10",
            () -> new WaitIdleStrategy(0, 0, 0, -10, 1, signal, null));
        assertMessage("timeoutNs must be >= 1, got 0", () -> new WaitIdleStrategy(0, 0, 0, 0, 0, signal, null));
        assertMessage("maxTimeoutNs must be 0 or >= 20 (timeoutNs), got 10",
            () -> new WaitIdleStrategy(0, 0, 0, 0, 20, 10, signal, null));
        assertMessage("the wait idle strategy needs the signal of the ring it waits on, got null",
            () -> new WaitIdleStrategy(0, 0, 0, 0, 1, null, null));
    }

    private static void assertMessage(final String expected, final Runnable action)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, action::run);
        assertEquals(expected, ex.getMessage());
    }

    private static final class RecordingGuard implements SleepGuard
    {
        private final List<String> log;
        private final boolean allow;

        RecordingGuard(final List<String> log, final boolean allow)
        {
            this.log = log;
            this.allow = allow;
        }

        public boolean prepareToSleep()
        {
            log.add("prepareToSleep");
            return allow;
        }

        public void awake()
        {
            log.add("awake");
        }
    }
}
