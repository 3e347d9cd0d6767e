/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses idle strategy strings, in the style of Aeron's idle strategy properties, into {@link IdleSpec}s.
 * <p>
 * <b>Syntax:</b> {@code name} or {@code name:param=value,param=value}; parameters left out take their defaults,
 * whitespace around names, parameters and values is ignored, names and parameters are case-sensitive. Counts are
 * non-negative whole numbers; durations are written as {@link Units#parseDuration(String)} reads them, e.g.
 * {@code 500ns}, {@code 1us}, {@code 100ms}, {@code 2s}.
 * <table>
 *     <caption>Accepted strategies</caption>
 *     <tr><th>string</th><th>parameters (defaults)</th><th>behaviour</th></tr>
 *     <tr><td>{@code busy-spin}</td><td>none</td><td>{@link Thread#onSpinWait()} in a loop: lowest latency, burns
 *     100% of a core all the time, even when idle (Agrona {@code BusySpinIdleStrategy}).</td></tr>
 *     <tr><td>{@code yield}</td><td>none</td><td>{@link Thread#yield()}: still 100% of a core when nothing else
 *     wants it (Agrona {@code YieldingIdleStrategy}).</td></tr>
 *     <tr><td>{@code no-op}</td><td>none</td><td>returns at once: the caller's loop is a pure busy poll, 100% of a
 *     core (Agrona {@code NoOpIdleStrategy}).</td></tr>
 *     <tr><td>{@code backoff}</td><td>{@code spins=10,yields=5,minPark=1us,maxPark=1ms}</td><td>spin, yield, then
 *     park with a period doubling from {@code minPark} to {@code maxPark} (Agrona {@code BackoffIdleStrategy}).
 *     Linux rounds parks up to the timer slack (50 us by default, {@code /proc/self/timerslack_ns}, settable with
 *     {@code prctl(PR_SET_TIMERSLACK)}).</td></tr>
 *     <tr><td>{@code wait}</td><td>{@code spins=1000,yields=100,minPark=50us,maxPark=1ms,timeout=100ms}</td>
 *     <td>like {@code backoff}, then blocks on the channel's named semaphore/event for at most {@code timeout}
 *     at a time ({@link WaitIdleStrategy}); {@code maxPark=0} skips parking. Parks are subject to timer slack
 *     as for {@code backoff}. Optional {@code maxTimeout} (default 0, left out of the canonical string): each block
 *     that ends without work doubles the next block's timeout up to {@code maxTimeout}, and work returns it to
 *     {@code timeout}: short blocks while messages flow, few wake-ups when idle for long.</td></tr>
 * </table>
 * Unknown names or parameters, duplicate parameters and bad values throw {@link IllegalArgumentException} whose
 * message names the offending part and lists what is accepted. All methods are thread safe.
 */
public final class IdleStrategies
{
    /** {@code busy-spin}: burns 100% of a core. */
    public static final String BUSY_SPIN = "busy-spin";
    /** {@code yield}. */
    public static final String YIELD = "yield";
    /** {@code no-op}. */
    public static final String NO_OP = "no-op";
    /** {@code backoff}. */
    public static final String BACKOFF = "backoff";
    /** {@code wait}. */
    public static final String WAIT = WaitIdleStrategy.ALIAS;

    static final String SPINS = "spins";
    static final String YIELDS = "yields";
    static final String MIN_PARK = "minPark";
    static final String MAX_PARK = "maxPark";
    static final String TIMEOUT = "timeout";
    static final String MAX_TIMEOUT = "maxTimeout";

    private static final Pattern COUNT = Pattern.compile("\\d+");
    private static final Map<String, Map<String, Param>> STRATEGIES = strategies();

    private IdleStrategies()
    {
    }

    /**
     * @param factory a side's idle strategy: parsed from a string ({@link IdleSpec}) or an application's own.
     * @return true for the strategies that never give up their CPU between polls ({@link IdleSpec#holdsCpu()});
     * false for an application's own strategy, which is its own business.
     */
    public static boolean holdsCpu(final IdleStrategyFactory factory)
    {
        return factory instanceof IdleSpec && ((IdleSpec)factory).holdsCpu();
    }

    /**
     * Parses a strategy string.
     *
     * @param spec e.g. {@code "busy-spin"} or {@code "wait:spins=1000,yields=100,timeout=100ms"}.
     * @return the immutable spec with every parameter set (given or default).
     * @throws IllegalArgumentException if the string is null, blank or invalid; the message says what and where
     *                                  and lists what is accepted.
     */
    public static IdleSpec parse(final String spec)
    {
        if (null == spec || spec.isBlank())
        {
            throw new IllegalArgumentException(
                "idle strategy must not be " + (null == spec ? "null" : "blank") + "; " + accepted());
        }
        final int colon = spec.indexOf(':');
        final String name = (colon < 0 ? spec : spec.substring(0, colon)).trim();
        final Map<String, Param> params = STRATEGIES.get(name);
        if (null == params)
        {
            throw new IllegalArgumentException(
                "unknown idle strategy \"" + name + "\" in \"" + spec + "\"; " + accepted());
        }

        final Map<String, Long> values = new LinkedHashMap<>();
        for (final Map.Entry<String, Param> e : params.entrySet())
        {
            values.put(e.getKey(), e.getValue().defaultValue);
        }

        if (colon >= 0)
        {
            final String list = spec.substring(colon + 1);
            if (params.isEmpty())
            {
                throw new IllegalArgumentException(
                    "idle strategy " + name + " takes no parameters, got \"" + list.trim() + "\" in \"" + spec + "\"");
            }
            if (list.isBlank())
            {
                throw new IllegalArgumentException(
                    "empty parameter list after ':' in \"" + spec + "\"; " + name + " accepts " +
                    describe(name, params));
            }
            final List<String> seen = new ArrayList<>();
            for (final String item : list.split(",", -1))
            {
                final int eq = item.indexOf('=');
                if (eq < 0)
                {
                    throw new IllegalArgumentException(
                        "parameter \"" + item.trim() + "\" in \"" + spec + "\" is not key=value; " + name +
                        " accepts " + describe(name, params));
                }
                final String key = item.substring(0, eq).trim();
                final String text = item.substring(eq + 1).trim();
                final Param param = params.get(key);
                if (null == param)
                {
                    throw new IllegalArgumentException(
                        "unknown parameter \"" + key + "\" for idle strategy " + name + " in \"" + spec + "\"; " +
                        name + " accepts " + describe(name, params));
                }
                if (seen.contains(key))
                {
                    throw new IllegalArgumentException(
                        "parameter " + key + " given twice in \"" + spec + "\"");
                }
                seen.add(key);
                values.put(key, param.parse(name, key, text));
            }
        }

        checkParks(name, values);
        checkTimeouts(name, values);
        return new IdleSpec(name, Collections.unmodifiableMap(values));
    }

    /**
     * Parses the strategy string held by a system property, or {@code defaultSpec} when the property is unset or
     * blank.
     *
     * @param property    the system property name, e.g. {@code "shmipc.reader.idle.strategy"}.
     * @param defaultSpec the strategy string used when the property is unset or blank.
     * @return the parsed spec.
     * @throws IllegalArgumentException if the string in use is invalid; the message names the property and its
     *                                  value when the property was used.
     */
    public static IdleSpec fromSystemProperty(final String property, final String defaultSpec)
    {
        final String value = System.getProperty(property);
        if (null == value || value.isBlank())
        {
            return parse(defaultSpec);
        }
        try
        {
            return parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("system property " + property + "=\"" + value + "\": " +
                ex.getMessage(), ex);
        }
    }

    /**
     * @return every accepted strategy with its parameters at their defaults, e.g. for help texts.
     */
    public static String accepted()
    {
        final StringBuilder sb = new StringBuilder("accepted: ");
        String separator = "";
        for (final Map.Entry<String, Map<String, Param>> e : STRATEGIES.entrySet())
        {
            sb.append(separator).append(describe(e.getKey(), e.getValue()));
            separator = " | ";
        }
        return sb.append(" (durations take ns, us, ms, s or m)").toString();
    }

    static boolean isDuration(final String strategy, final String param)
    {
        return STRATEGIES.get(strategy).get(param).duration;
    }

    /**
     * @return true if the canonical string leaves this parameter out, at this value.
     */
    static boolean omitted(final String strategy, final String param, final long value)
    {
        final Param p = STRATEGIES.get(strategy).get(param);
        return p.optional && value == p.defaultValue;
    }

    private static void checkParks(final String name, final Map<String, Long> values)
    {
        if (!values.containsKey(MIN_PARK))
        {
            return;
        }
        final long minPark = values.get(MIN_PARK);
        final long maxPark = values.get(MAX_PARK);
        if (WAIT.equals(name) && 0 == maxPark)
        {
            return;
        }
        if (0 == minPark)
        {
            throw new IllegalArgumentException(
                name + ": minPark must be at least 1ns" +
                (WAIT.equals(name) ? " (or set maxPark=0 for no parking)" : "") + ", got 0ns");
        }
        if (minPark > maxPark)
        {
            throw new IllegalArgumentException(
                name + ": minPark (" + Units.formatDuration(minPark) + ") must not exceed maxPark (" +
                Units.formatDuration(maxPark) + ")");
        }
    }

    private static void checkTimeouts(final String name, final Map<String, Long> values)
    {
        final Long maxTimeout = values.get(MAX_TIMEOUT);
        if (null != maxTimeout && 0 != maxTimeout && maxTimeout < values.get(TIMEOUT))
        {
            throw new IllegalArgumentException(
                name + ": maxTimeout (" + Units.formatDuration(maxTimeout) + ") must not be below timeout (" +
                Units.formatDuration(values.get(TIMEOUT)) + "); 0 keeps every block at timeout");
        }
    }

    private static String describe(final String name, final Map<String, Param> params)
    {
        if (params.isEmpty())
        {
            return name;
        }
        final StringBuilder sb = new StringBuilder(name).append(':');
        String separator = "";
        for (final Map.Entry<String, Param> e : params.entrySet())
        {
            sb.append(separator).append(e.getKey()).append('=').append(e.getValue().format(e.getValue().defaultValue));
            separator = ",";
        }
        return sb.toString();
    }

    private static Map<String, Map<String, Param>> strategies()
    {
        final Map<String, Map<String, Param>> strategies = new LinkedHashMap<>();
        strategies.put(BUSY_SPIN, Map.of());
        strategies.put(YIELD, Map.of());
        strategies.put(NO_OP, Map.of());

        final Map<String, Param> backoff = new LinkedHashMap<>();
        backoff.put(SPINS, Param.count(10));
        backoff.put(YIELDS, Param.count(5));
        backoff.put(MIN_PARK, Param.duration(1_000L));
        backoff.put(MAX_PARK, Param.duration(1_000_000L));
        strategies.put(BACKOFF, Collections.unmodifiableMap(backoff));

        final Map<String, Param> wait = new LinkedHashMap<>();
        wait.put(SPINS, Param.count(1000));
        wait.put(YIELDS, Param.count(100));
        wait.put(MIN_PARK, Param.duration(50_000L));
        wait.put(MAX_PARK, Param.duration(1_000_000L));
        wait.put(TIMEOUT, Param.duration(100_000_000L, 1));
        wait.put(MAX_TIMEOUT, Param.optionalDuration());
        strategies.put(WAIT, Collections.unmodifiableMap(wait));

        return Collections.unmodifiableMap(strategies);
    }

    private static final class Param
    {
        final boolean duration;
        final long defaultValue;
        final long min;
        /** Left out of the canonical string at its default, so that adding it changed no existing string. */
        final boolean optional;

        private Param(final boolean duration, final long defaultValue, final long min, final boolean optional)
        {
            this.duration = duration;
            this.defaultValue = defaultValue;
            this.min = min;
            this.optional = optional;
        }

        static Param count(final long defaultValue)
        {
            return new Param(false, defaultValue, 0, false);
        }

        static Param duration(final long defaultValue)
        {
            return new Param(true, defaultValue, 0, false);
        }

        static Param duration(final long defaultValue, final long min)
        {
            return new Param(true, defaultValue, min, false);
        }

        static Param optionalDuration()
        {
            return new Param(true, 0, 0, true);
        }

        String format(final long value)
        {
            return duration ? Units.formatDuration(value) : Long.toString(value);
        }

        long parse(final String strategy, final String key, final String text)
        {
            final long value = duration ? parseDuration(strategy, key, text) : parseCount(strategy, key, text);
            if (value < min)
            {
                throw new IllegalArgumentException(
                    "parameter " + key + " of idle strategy " + strategy + " must be at least " + format(min) +
                    ", got \"" + text + "\"");
            }
            return value;
        }

        private static long parseCount(final String strategy, final String key, final String text)
        {
            if (COUNT.matcher(text).matches())
            {
                try
                {
                    return Long.parseLong(text);
                }
                catch (final NumberFormatException ignore)
                {
                    // too large: reported below
                }
            }
            throw new IllegalArgumentException(
                "parameter " + key + " of idle strategy " + strategy + " must be a whole number from 0 to " +
                Long.MAX_VALUE + ", got \"" + text + "\"");
        }

        private static long parseDuration(final String strategy, final String key, final String text)
        {
            try
            {
                return Units.parseDuration(text);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(
                    "parameter " + key + " of idle strategy " + strategy + ": " + ex.getMessage(), ex);
            }
        }
    }
}
