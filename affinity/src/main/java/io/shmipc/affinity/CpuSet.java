package io.shmipc.affinity;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * An immutable set of CPU numbers, written and read in the Linux "cpulist" format that
 * {@code /sys/devices/system/cpu/online}, {@code taskset -c} and {@code Cpus_allowed_list} use:
 * comma-separated CPUs and inclusive ranges, for example {@code 2-3,6}.
 * <p>
 * This is the one parser and formatter of CPU lists in shmipc: topology files, placement specs, affinity masks read
 * back from the kernel and log lines all go through it, so a list printed by shmipc can be pasted into a spec or
 * into {@code taskset -c}. Instances are immutable and safe to share between threads.
 */
public final class CpuSet
{
    /**
     * Highest CPU number accepted, 65535. Linux builds top out at a few thousand CPUs; the bound stops a typo such as
     * {@code cpus=0-4000000000} from allocating gigabytes.
     */
    public static final int MAX_CPU = 65_535;

    /** The set with no CPUs. */
    public static final CpuSet EMPTY = new CpuSet(new long[0]);

    private final long[] words;

    private CpuSet(final long[] words)
    {
        this.words = words;
    }

    /**
     * Parse a cpulist such as {@code 0}, {@code 0-3} or {@code 2-3,6}. Spaces around the whole list and around each
     * element are ignored; an empty or blank string is the empty set (the kernel writes a bare newline for "none",
     * e.g. in {@code isolated}).
     *
     * @param cpuList the text to parse.
     * @return the set it names.
     * @throws IllegalArgumentException naming the list and the offending element if an element is not a CPU number
     *                                  or an ascending range, or a CPU is above {@link #MAX_CPU}.
     */
    public static CpuSet parse(final String cpuList)
    {
        if (null == cpuList)
        {
            throw new IllegalArgumentException("CPU list is null");
        }
        final String text = cpuList.strip();
        if (text.isEmpty())
        {
            return EMPTY;
        }

        long[] words = new long[0];
        for (final String rawElement : text.split(",", -1))
        {
            final String element = rawElement.strip();
            final int dash = element.indexOf('-');
            final int from;
            final int to;
            if (dash < 0)
            {
                from = parseCpu(element, cpuList);
                to = from;
            }
            else
            {
                from = parseCpu(element.substring(0, dash), cpuList);
                to = parseCpu(element.substring(dash + 1), cpuList);
                if (to < from)
                {
                    throw new IllegalArgumentException(
                        "invalid CPU list '" + cpuList + "': range '" + element + "' runs backwards");
                }
            }
            words = grow(words, to);
            for (int cpu = from; cpu <= to; cpu++)
            {
                words[cpu >>> 6] |= 1L << cpu;
            }
        }

        return new CpuSet(words);
    }

    /**
     * The set of the given CPUs; duplicates are ignored.
     *
     * @param cpus CPU numbers, each in 0..{@link #MAX_CPU}.
     * @return the set of them.
     * @throws IllegalArgumentException naming the first CPU number out of range.
     */
    public static CpuSet of(final int... cpus)
    {
        long[] words = new long[0];
        for (final int cpu : cpus)
        {
            checkCpu(cpu);
            words = grow(words, cpu);
            words[cpu >>> 6] |= 1L << cpu;
        }

        return new CpuSet(trim(words));
    }

    /**
     * The set whose CPU {@code n} is bit {@code n % 64} of {@code words[n / 64]}: the layout of a Linux
     * {@code cpu_set_t} on a 64-bit machine and of a Windows affinity mask (one word).
     *
     * @param words the mask; not retained.
     * @return the set of CPUs whose bits are set.
     */
    static CpuSet fromWords(final long[] words)
    {
        final long[] copy = trim(words.clone());
        return copy.length == 0 ? EMPTY : new CpuSet(copy);
    }

    /**
     * This set as a mask in the layout of {@link #fromWords(long[])}, at least {@code minWords} long.
     *
     * @param minWords the length to pad the mask to with zero words.
     * @return a fresh array the caller may hand to native code.
     */
    long[] toWords(final int minWords)
    {
        return Arrays.copyOf(words, Math.max(minWords, words.length));
    }

    /**
     * @param cpu a CPU number; negative or huge numbers are simply not contained.
     * @return whether {@code cpu} is in this set.
     */
    public boolean contains(final int cpu)
    {
        return cpu >= 0 && (cpu >>> 6) < words.length && (words[cpu >>> 6] & (1L << cpu)) != 0;
    }

    /**
     * @param other another set.
     * @return whether every CPU of {@code other} is in this set (true for an empty {@code other}).
     */
    public boolean containsAll(final CpuSet other)
    {
        for (int i = 0; i < other.words.length; i++)
        {
            final long mine = i < words.length ? words[i] : 0L;
            if ((other.words[i] & ~mine) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /**
     * @return the number of CPUs in this set.
     */
    public int size()
    {
        int size = 0;
        for (final long word : words)
        {
            size += Long.bitCount(word);
        }

        return size;
    }

    /**
     * @return true if this set has no CPUs.
     */
    public boolean isEmpty()
    {
        return words.length == 0;
    }

    /**
     * @return the lowest CPU in this set, or -1 if it is empty.
     */
    public int first()
    {
        return nextCpu(0);
    }

    /**
     * @param from the CPU number to start looking at.
     * @return the lowest CPU in this set that is {@code >= from}, or -1 if there is none.
     */
    public int nextCpu(final int from)
    {
        int index = Math.max(from, 0) >>> 6;
        if (index >= words.length)
        {
            return -1;
        }
        long word = words[index] & (-1L << Math.max(from, 0));
        while (true)
        {
            if (word != 0)
            {
                return (index << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++index == words.length)
            {
                return -1;
            }
            word = words[index];
        }
    }

    /**
     * @return the CPUs of this set in ascending order.
     */
    public IntStream stream()
    {
        return IntStream.iterate(first(), cpu -> cpu >= 0, cpu -> nextCpu(cpu + 1));
    }

    /**
     * @param other another set.
     * @return the CPUs in this set or in {@code other}.
     */
    public CpuSet union(final CpuSet other)
    {
        final long[] result = Arrays.copyOf(words, Math.max(words.length, other.words.length));
        for (int i = 0; i < other.words.length; i++)
        {
            result[i] |= other.words[i];
        }

        return new CpuSet(result);
    }

    /**
     * @param other another set.
     * @return the CPUs in both this set and {@code other}.
     */
    public CpuSet intersect(final CpuSet other)
    {
        final long[] result = Arrays.copyOf(words, Math.min(words.length, other.words.length));
        for (int i = 0; i < result.length; i++)
        {
            result[i] &= other.words[i];
        }

        return fromTrimmed(result);
    }

    /**
     * @param other another set.
     * @return the CPUs in this set that are not in {@code other}.
     */
    public CpuSet minus(final CpuSet other)
    {
        final long[] result = words.clone();
        for (int i = 0; i < Math.min(result.length, other.words.length); i++)
        {
            result[i] &= ~other.words[i];
        }

        return fromTrimmed(result);
    }

    /**
     * The cpulist form, for example {@code 0-3,6}: ascending, runs of two or more consecutive CPUs as a range, as the
     * kernel writes it. The empty set is the empty string. {@link #parse(String)} reads it back to an equal set.
     *
     * @return the cpulist form of this set.
     */
    public String toString()
    {
        final StringBuilder builder = new StringBuilder();
        int start = first();
        while (start >= 0)
        {
            int end = start;
            while (contains(end + 1))
            {
                end++;
            }
            if (builder.length() > 0)
            {
                builder.append(',');
            }
            builder.append(start);
            if (end > start)
            {
                builder.append('-').append(end);
            }
            start = nextCpu(end + 1);
        }

        return builder.toString();
    }

    /**
     * {@inheritDoc}
     */
    public boolean equals(final Object obj)
    {
        return this == obj || obj instanceof CpuSet && Arrays.equals(words, ((CpuSet)obj).words);
    }

    /**
     * {@inheritDoc}
     */
    public int hashCode()
    {
        return Arrays.hashCode(words);
    }

    private static CpuSet fromTrimmed(final long[] words)
    {
        final long[] trimmed = trim(words);
        return trimmed.length == 0 ? EMPTY : new CpuSet(trimmed);
    }

    private static long[] trim(final long[] words)
    {
        int length = words.length;
        while (length > 0 && words[length - 1] == 0)
        {
            length--;
        }

        return length == words.length ? words : Arrays.copyOf(words, length);
    }

    private static long[] grow(final long[] words, final int cpu)
    {
        final int needed = (cpu >>> 6) + 1;
        return needed <= words.length ? words : Arrays.copyOf(words, needed);
    }

    private static int parseCpu(final String text, final String cpuList)
    {
        final String digits = text.strip();
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            throw new IllegalArgumentException("invalid CPU list '" + cpuList + "': '" + text +
                "' is not a CPU number (expected e.g. 3, 0-3 or 2-3,6)");
        }
        final int cpu = Integer.parseInt(digits);
        if (cpu > MAX_CPU)
        {
            throw new IllegalArgumentException(
                "invalid CPU list '" + cpuList + "': CPU " + cpu + " is above the maximum " + MAX_CPU);
        }

        return cpu;
    }

    private static void checkCpu(final int cpu)
    {
        if (cpu < 0 || cpu > MAX_CPU)
        {
            throw new IllegalArgumentException("CPU " + cpu + " is outside 0-" + MAX_CPU);
        }
    }
}
