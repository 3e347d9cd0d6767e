package io.shmipc.core.channel;

/**
 * How the duties of a channel side (its reader, its writer and its conductor, each an Agrona
 * {@link org.agrona.concurrent.Agent}) are given threads, in the vocabulary of Aeron's media driver.
 */
public enum ThreadingMode
{
    /**
     * One {@link org.agrona.concurrent.AgentRunner} per agent: a reader thread and a writer thread (pinned as the
     * affinity settings say) and a sleeping conductor thread.
     */
    DEDICATED,

    /**
     * One {@link org.agrona.concurrent.AgentRunner} over a {@link org.agrona.concurrent.CompositeAgent} of all
     * agents: one thread per side, so two processes need no more than two spinning threads. With the {@code wait}
     * idle strategy that thread blocks on the peer's named semaphore, which this process's own senders post too.
     */
    SHARED,

    /**
     * No threads: {@code invoker()} returns an {@link org.agrona.concurrent.AgentInvoker} the application drives from
     * its own duty cycle, or {@code agent()} the composite agent to add to the application's own
     * {@link org.agrona.concurrent.CompositeAgent}. Nothing is read or sent (beyond caller-mode writes) unless the
     * application invokes, so a synchronous call must not be made from the thread that invokes.
     */
    INVOKER;

    /**
     * @param value a name, case-insensitive, e.g. {@code "shared"}.
     * @param what  where the value comes from, for the message (e.g. the property name).
     * @return the mode.
     * @throws IllegalArgumentException naming the value, where it came from and the accepted names.
     */
    public static ThreadingMode parse(final String value, final String what)
    {
        for (final ThreadingMode mode : values())
        {
            if (mode.name().equalsIgnoreCase(value.trim()))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException(what + ": unknown threading mode '" + value +
            "' (accepted: dedicated, shared, invoker)");
    }
}
