/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed idle strategy string: the strategy name and every parameter's value, given or default. Immutable and
 * thread safe. Obtain one from {@link IdleStrategies#parse(String)}; {@link #toString()} gives the canonical string,
 * which parses back to an equal spec.
 */
public final class IdleSpec implements IdleStrategyFactory
{
    private final String name;
    private final Map<String, Long> values;

    IdleSpec(final String name, final Map<String, Long> values)
    {
        this.name = name;
        this.values = values;
    }

    /**
     * @return the strategy name, one of {@code busy-spin}, {@code yield}, {@code no-op}, {@code backoff},
     * {@code wait}.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return true for the strategies that never give up their CPU between polls ({@code busy-spin}, {@code no-op}):
     * a thread idling with one keeps every other thread off its CPU until the scheduler preempts it.
     */
    public boolean holdsCpu()
    {
        return IdleStrategies.BUSY_SPIN.equals(name) || IdleStrategies.NO_OP.equals(name);
    }

    /**
     * @param parameter a parameter of this strategy, e.g. {@code "spins"} or {@code "timeout"}.
     * @return its value: a count, or a duration in nanoseconds.
     * @throws IllegalArgumentException if this strategy has no such parameter.
     */
    public long value(final String parameter)
    {
        final Long value = values.get(parameter);
        if (null == value)
        {
            throw new IllegalArgumentException(
                "idle strategy " + name + " has no parameter \"" + parameter + "\", it has " + values.keySet());
        }
        return value;
    }

    /**
     * @return every parameter in canonical text form ({@code "10"}, {@code "1ms"}), in definition order; empty for
     * strategies without parameters. The map is a copy.
     */
    public Map<String, String> parameters()
    {
        final Map<String, String> text = new LinkedHashMap<>();
        for (final Map.Entry<String, Long> e : values.entrySet())
        {
            if (!IdleStrategies.omitted(name, e.getKey(), e.getValue()))
            {
                text.put(e.getKey(), format(e.getKey(), e.getValue()));
            }
        }
        return text;
    }

    /**
     * Builds a new strategy. Strategies keep per-thread state, so build one per idle thread.
     *
     * @param signal the signal the ring's writer posts (the peer's named semaphore/event, {@code io.shmipc.signals}),
     *               used only by {@code wait}, which requires it.
     * @param guard  the ring's sleep handshake; used only by {@code wait}; {@code null} means
     *               {@link SleepGuard#NONE}.
     * @return Agrona's {@link BusySpinIdleStrategy}, {@link YieldingIdleStrategy}, {@link NoOpIdleStrategy} or
     * {@link BackoffIdleStrategy}, or a {@link WaitIdleStrategy}.
     * @throws IllegalArgumentException if this is {@code wait} and {@code signal} is null.
     */
    public IdleStrategy newStrategy(final WakeSignal signal, final SleepGuard guard)
    {
        switch (name)
        {
            case IdleStrategies.BUSY_SPIN:
                return BusySpinIdleStrategy.INSTANCE;
            case IdleStrategies.YIELD:
                return YieldingIdleStrategy.INSTANCE;
            case IdleStrategies.NO_OP:
                return NoOpIdleStrategy.INSTANCE;
            case IdleStrategies.BACKOFF:
                return new BackoffIdleStrategy(
                    value(IdleStrategies.SPINS),
                    value(IdleStrategies.YIELDS),
                    value(IdleStrategies.MIN_PARK),
                    value(IdleStrategies.MAX_PARK));
            case IdleStrategies.WAIT:
                if (null == signal)
                {
                    throw new IllegalArgumentException(
                        "idle strategy \"" + this + "\" blocks on the channel's named signal, but none was given " +
                        "(signal is null); pass the ring's signal or choose another strategy");
                }
                return new WaitIdleStrategy(
                    value(IdleStrategies.SPINS),
                    value(IdleStrategies.YIELDS),
                    value(IdleStrategies.MIN_PARK),
                    value(IdleStrategies.MAX_PARK),
                    value(IdleStrategies.TIMEOUT),
                    value(IdleStrategies.MAX_TIMEOUT),
                    signal,
                    guard);
            default:
                throw new IllegalStateException("unhandled idle strategy " + name);
        }
    }

    /**
     * @return the canonical string with every parameter, e.g.
     * {@code backoff:spins=10,yields=5,minPark=1us,maxPark=1ms}, or just the name if there are none.
     */
    public String toString()
    {
        if (values.isEmpty())
        {
            return name;
        }
        final StringBuilder sb = new StringBuilder(name).append(':');
        String separator = "";
        for (final Map.Entry<String, Long> e : values.entrySet())
        {
            if (!IdleStrategies.omitted(name, e.getKey(), e.getValue()))
            {
                sb.append(separator).append(e.getKey()).append('=').append(format(e.getKey(), e.getValue()));
                separator = ",";
            }
        }
        return sb.toString();
    }

    /**
     * @param o another object.
     * @return {@code true} if it is a spec with the same name and parameter values.
     */
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof IdleSpec))
        {
            return false;
        }
        final IdleSpec that = (IdleSpec)o;
        return name.equals(that.name) && values.equals(that.values);
    }

    /**
     * @return a hash of the name and parameter values.
     */
    public int hashCode()
    {
        return 31 * name.hashCode() + values.hashCode();
    }

    private String format(final String parameter, final long value)
    {
        return IdleStrategies.isDuration(name, parameter) ?
            Units.formatDuration(value) : Long.toString(value);
    }
}
