package io.shmipc.tools;

import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.CpuSet;

import java.util.Locale;

/**
 * The CPUs a command's side of a channel runs on ({@code --cpus}): the command pins all its process's threads to them
 * ({@link Affinity#pinProcessThreads}, as {@code taskset -a -p} would) before it starts the side, so the JVM's own
 * threads stay off the other side's CPUs too, and every thread started afterwards (the calling threads, the
 * channel's agents and conductor, a guest's workers) inherits them.
 * <p>
 * With {@link #AUTO}, the default, the host takes the first half of the CPUs this process may use (rounded up) and
 * the guest the rest, so that the two processes of a channel never compete for a CPU: on two CPUs a host's calling
 * threads otherwise land on the CPU where the guest's reader runs, and each such call waits for the scheduler (4 ms
 * tails, 30-50% fewer calls at 4 and 8 threads, {@code docs/benchmarks.md}). That holds for a reader that busy-spins
 * too: placed, busy-spin measured as fast as {@code wait} at 1, 4 and 8 calling threads; left to the scheduler, the
 * host's woken callers preempted the guest's spinning reader and busy-spin fell to 0.60-0.79x of {@code wait} at 4
 * and 8 threads ({@code bench calls --rounds}, {@code docs/benchmarks.md}). Fewer than two CPUs, or an OS other than
 * Linux, leave the threads to the scheduler, as {@link #NONE} does. A CPU list ({@code 0}, {@code 2-3,6}) pins
 * to exactly those.
 * <p>
 * Thread safe: it keeps no state.
 */
public final class SideCpus
{
    /** The option's name in {@code host}, {@code guest} and {@code bench calls}. */
    public static final String OPTION = "--cpus";
    /** Host on the first half of the allowed CPUs, guest on the rest. */
    public static final String AUTO = "auto";
    /** Leave the threads where they are. */
    public static final String NONE = "none";
    /** The option's default. */
    public static final String DEFAULT = AUTO;

    /** Which side of a channel a command runs. */
    public enum Side
    {
        /** Creates the channel and calls. */
        HOST,
        /** Attaches and answers. */
        GUEST
    }

    private SideCpus()
    {
    }

    /**
     * @param spec    {@link #AUTO}, {@link #NONE} or a CPU list; null means {@link #DEFAULT}.
     * @param side    the side the command runs.
     * @param allowed the CPUs this process may use.
     * @param linux   whether the OS is Linux, where a process's threads can be pinned.
     * @return the CPUs to pin to, or null to leave the threads to the scheduler.
     * @throws IllegalArgumentException naming the option, its value and the allowed CPUs if the list is malformed or
     *                                  names a CPU outside {@code allowed}, or a list is given where it cannot apply.
     */
    public static CpuSet resolve(
        final String spec, final Side side, final CpuSet allowed, final boolean linux)
    {
        final String value = null == spec ? DEFAULT : spec.trim().toLowerCase(Locale.ROOT);
        if (NONE.equals(value))
        {
            return null;
        }
        if (AUTO.equals(value))
        {
            return linux ? half(side, allowed) : null;
        }
        final CpuSet cpus;
        try
        {
            cpus = CpuSet.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(OPTION + " " + spec + ": expected auto, none or a CPU list such as " +
                "0 or 2-3,6 (" + ex.getMessage() + "); this process may use CPUs " + allowed, ex);
        }
        if (cpus.isEmpty())
        {
            throw new IllegalArgumentException(OPTION + " '" + spec + "' names no CPU: expected auto, none or a CPU " +
                "list; this process may use CPUs " + allowed);
        }
        if (!linux)
        {
            throw new IllegalArgumentException(OPTION + " " + spec + ": only on Linux (os.name " +
                System.getProperty("os.name") + ")");
        }
        if (!allowed.containsAll(cpus))
        {
            final CpuSet outside = cpus.minus(allowed);
            throw new IllegalArgumentException(OPTION + " " + spec + ": " + (outside.size() == 1 ? "CPU " + outside +
                " is" : "CPUs " + outside + " are") + " not among the CPUs this process may use: " + allowed);
        }
        return cpus;
    }

    /**
     * {@link #AUTO}'s rule.
     *
     * @return the host's first half (rounded up) or the guest's rest of {@code allowed}, or null with fewer than two.
     */
    static CpuSet half(final Side side, final CpuSet allowed)
    {
        final int count = allowed.size();
        if (count < 2)
        {
            return null;
        }
        final int hostCount = (count + 1) / 2;
        final int[] cpus = allowed.stream().toArray();
        final int from = side == Side.HOST ? 0 : hostCount;
        final int to = side == Side.HOST ? hostCount : count;
        final int[] part = new int[to - from];
        System.arraycopy(cpus, from, part, 0, part.length);
        return CpuSet.of(part);
    }

    /**
     * Resolve {@code spec} for this process and pin all its threads, before it starts any thread of the side.
     *
     * @param spec   as {@link #resolve}.
     * @param side   as {@link #resolve}.
     * @return the CPUs the threads now run on, or null when they are left to the scheduler.
     * @throws IllegalArgumentException as {@link #resolve}, or if the OS refuses the CPUs.
     */
    public static CpuSet pinProcess(final String spec, final Side side)
    {
        final boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        if (!linux)
        {
            // nothing to pin, and the affinity module may not know this OS's CPUs: a list is refused without them
            return resolve(spec, side, CpuSet.EMPTY, false);
        }
        final CpuSet cpus = resolve(spec, side, Affinity.processCpus(), true);
        if (null == cpus)
        {
            return null;
        }
        try
        {
            Affinity.pinProcessThreads(cpus);
            return cpus;
        }
        catch (final IllegalStateException ex)
        {
            throw new IllegalArgumentException(OPTION + " " + (null == spec ? DEFAULT : spec) + ": " +
                ex.getMessage(), ex);
        }
    }

    /**
     * Undo {@link #pinProcess}: every thread may run on all the CPUs this process may use again (e.g. before it
     * starts a child process, which would inherit the starting thread's CPUs).
     *
     * @param cpus what {@link #pinProcess} returned; nothing is done for null.
     */
    public static void unpinProcess(final CpuSet cpus)
    {
        if (null != cpus)
        {
            Affinity.pinProcessThreads(Affinity.processCpus());
        }
    }

    /**
     * @param cpus  what {@link #pinProcess} returned.
     * @param spec  the option as given (null for the default).
     * @return one line for the command's start-up report, e.g. {@code threads on CPUs 0 of 0-1 (--cpus auto: ...)}.
     */
    public static String describe(final CpuSet cpus, final String spec)
    {
        final String value = null == spec ? DEFAULT : spec;
        if (null == cpus)
        {
            return "threads not pinned (" + OPTION + " " + value + ")";
        }
        return "threads on CPUs " + cpus + " of " + Affinity.processCpus() + " (" + OPTION + " " + value +
            (AUTO.equalsIgnoreCase(value.trim()) ? ": the host takes the first half, the guest the rest; " + OPTION +
            " " + NONE + " leaves them to the scheduler)" : ")");
    }
}
