package io.shmipc.tools;

import io.shmipc.affinity.CpuSet;
import org.junit.jupiter.api.Test;

import static io.shmipc.tools.SideCpus.Side.GUEST;
import static io.shmipc.tools.SideCpus.Side.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --cpus}: by default the host takes the first half of the allowed CPUs and the guest the rest, so the two
 * never share one; a list pins to exactly those CPUs; bad values name the option and the CPUs this process may use.
 */
class SideCpusTest
{
    private static final CpuSet TWO = CpuSet.parse("0-1");

    @Test
    void autoGivesTheHostTheFirstHalfRoundedUpAndTheGuestTheRest()
    {
        assertEquals(CpuSet.of(0), SideCpus.resolve(null, HOST, TWO, true));
        assertEquals(CpuSet.of(1), SideCpus.resolve(null, GUEST, TWO, true));
        assertEquals(CpuSet.parse("0-1"), SideCpus.resolve("auto", HOST, CpuSet.parse("0-2"), true));
        assertEquals(CpuSet.of(2), SideCpus.resolve("auto", GUEST, CpuSet.parse("0-2"), true));
        // the allowed CPUs of a container need not start at 0 nor be contiguous
        assertEquals(CpuSet.parse("3,5"), SideCpus.resolve("AUTO", HOST, CpuSet.parse("3,5,8-9"), true));
        assertEquals(CpuSet.parse("8-9"), SideCpus.resolve("auto", GUEST, CpuSet.parse("3,5,8-9"), true));
    }

    @Test
    void autoLeavesTheThreadsToTheSchedulerWhereSplittingCannotHelp()
    {
        assertNull(SideCpus.resolve("auto", HOST, CpuSet.of(4), true), "one CPU");
        assertNull(SideCpus.resolve("auto", GUEST, CpuSet.of(4), true), "one CPU");
        assertNull(SideCpus.resolve("auto", GUEST, TWO, false), "not Linux");
        assertNull(SideCpus.resolve("none", HOST, TWO, true));
        assertNull(SideCpus.resolve(" None ", GUEST, TWO, true));
    }

    @Test
    void aListPinsToExactlyThoseCpusWhateverTheSide()
    {
        assertEquals(CpuSet.of(1), SideCpus.resolve("1", HOST, TWO, true));
        assertEquals(CpuSet.parse("0-1"), SideCpus.resolve("0-1", GUEST, TWO, true));
    }

    @Test
    void badValuesNameTheOptionAndTheAllowedCpus()
    {
        final IllegalArgumentException outside =
            assertThrows(IllegalArgumentException.class, () -> SideCpus.resolve("1-3", HOST, TWO, true));
        assertEquals("--cpus 1-3: CPUs 2-3 are not among the CPUs this process may use: 0-1", outside.getMessage());
        assertEquals("--cpus 5: CPU 5 is not among the CPUs this process may use: 0-1",
            assertThrows(IllegalArgumentException.class, () -> SideCpus.resolve("5", GUEST, TWO, true))
                .getMessage());

        final IllegalArgumentException malformed =
            assertThrows(IllegalArgumentException.class, () -> SideCpus.resolve("half", GUEST, TWO, true));
        assertTrue(malformed.getMessage().startsWith("--cpus half: expected auto, none or a CPU list such as 0 or " +
            "2-3,6 ("), malformed.getMessage());
        assertTrue(malformed.getMessage().endsWith("; this process may use CPUs 0-1"), malformed.getMessage());

        final IllegalArgumentException empty =
            assertThrows(IllegalArgumentException.class, () -> SideCpus.resolve(" ", GUEST, TWO, true));
        assertEquals("--cpus ' ' names no CPU: expected auto, none or a CPU list; this process may use CPUs 0-1",
            empty.getMessage());

        final IllegalArgumentException notLinux =
            assertThrows(IllegalArgumentException.class, () -> SideCpus.resolve("0", GUEST, TWO, false));
        assertTrue(notLinux.getMessage().startsWith("--cpus 0: only on Linux (os.name "), notLinux.getMessage());
        // elsewhere the command does not know the process's CPUs at all, and says only that
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SideCpus.resolve("0", GUEST, CpuSet.EMPTY,
            false)).getMessage().startsWith("--cpus 0: only on Linux (os.name "));
        assertNull(SideCpus.resolve("auto", HOST, CpuSet.EMPTY, false));
    }
}
