package io.shmipc.bridge;

import io.aeron.ChannelUri;
import io.aeron.driver.ThreadingMode;
import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.PlacementSpec;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.segment.ChannelNames;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.idle.IdleStrategies;
import org.agrona.ErrorHandler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of one bridge ({@link HostSideBridge} or {@link GuestSideBridge}). Mutable while it is built,
 * read once by the bridge's constructor.
 */
public final class BridgeConfig
{
    /** Default stream id of requests (host-side to guest-side). */
    public static final int DEFAULT_REQUEST_STREAM = 1313;
    /** Default stream id of responses (guest-side to host-side). */
    public static final int DEFAULT_RESPONSE_STREAM = 1314;
    /**
     * Default idle strategy of the bridge's agent, which reads the local channel and runs Aeron: 10 spins and 30
     * yields, then it blocks on the local channel's signal, first for 20 us, each block that times out doubling the
     * next up to 1 ms. The local peer's post wakes it at once. A message from Aeron is noticed when the block ends
     * (plus the timer slack, {@code /proc/self/timerslack_ns}, 50 us by default): within 20-80 us while messages
     * flow, within about 1 ms after a quiet spell of a few milliseconds (Aeron's own default backoff parks up to 1 ms
     * too). While the host-side bridge waits for answers it yields instead, so answers are noticed at once. Few
     * spins: each step of the idle strategy follows a whole duty cycle, which polls Aeron's sockets (two or three
     * {@code recvfrom} calls), so 100 spins burnt some 300 us of CPU after every message that the peers and Aeron
     * needed; yields give it to them. On two CPUs (docs/benchmarks.md), against a fixed 100 us block: p99 221-223
     * us instead of 279-323 us in paired runs, an idle pair of bridges 7-8% of a CPU instead of 15-17%. For a
     * bound on the first message after a quiet spell, give a fixed timeout ({@code ...,timeout=100us}).
     */
    public static final String DEFAULT_IDLE = "wait:spins=10,yields=30,maxPark=0ns,timeout=20us,maxTimeout=1ms";

    /** Allowed CPUs from which the embedded driver gets a thread of its own by default. */
    public static final int DRIVER_THREAD_MIN_CPUS = 8;

    /**
     * Default threading mode of the embedded driver, chosen for the CPUs this process may use: with fewer than
     * {@link #DRIVER_THREAD_MIN_CPUS}, {@code INVOKER}, the bridge's agent running the driver and the Aeron client's
     * conductor (one polling thread per bridge instead of three: on two CPUs the round trip's p50 measured about a
     * quarter of {@code SHARED}'s, see docs/benchmarks.md); with more, {@code SHARED}, a thread of its own.
     */
    public static final ThreadingMode DRIVER_THREADING_DEFAULT =
        Affinity.processCpuCount() < DRIVER_THREAD_MIN_CPUS ? ThreadingMode.INVOKER :
        ThreadingMode.SHARED;

    private final String name;
    private String localName;
    private String publishUri;
    private String subscribeUri;
    private int requestStream = DEFAULT_REQUEST_STREAM;
    private int responseStream = DEFAULT_RESPONSE_STREAM;
    private String aeronDir;
    private Path embeddedDir;
    private ThreadingMode driverThreading = DRIVER_THREADING_DEFAULT;
    private String idle = DEFAULT_IDLE;
    private String driverIdle = "backoff:spins=10,yields=20,minPark=1us,maxPark=1ms";
    private int termLength;
    private int capacity = ChannelConfig.DEFAULT_CAPACITY;
    private Duration openTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout;
    private Duration staleGrace = Duration.ofSeconds(5);
    private Duration linkTimeout;
    private ErrorHandler errorHandler = BridgeConfig::printError;
    private String agentAffinity = "none";
    private String driverAffinity = "none";
    private boolean invoker;

    /**
     * @param name the local channel's name (host-side: the channel it attaches to; guest-side: also the name of the
     *             channel it creates, unless {@link #localName(String)}).
     */
    public BridgeConfig(final String name)
    {
        this.name = ChannelNames.check(name);
    }

    static void printError(final Throwable error)
    {
        System.err.println("shmipc bridge: " + error.getMessage());
    }

    /** @return the channel's name. */
    public String name()
    {
        return name;
    }

    /** @return the local channel's name: {@link #name()} unless mapped. */
    public String localName()
    {
        return localName != null ? localName : name;
    }

    /** @param localName name of the local channel (guest-side: the one it creates). @return this. */
    public BridgeConfig localName(final String localName)
    {
        this.localName = ChannelNames.check(localName);
        return this;
    }

    /** @return the Aeron URI this bridge publishes on. */
    public String publishUri()
    {
        return publishUri;
    }

    /** @param uri Aeron URI to publish on, e.g. {@code aeron:udp?endpoint=10.0.0.2:40124}. @return this. */
    public BridgeConfig publish(final String uri)
    {
        this.publishUri = checkUri("--publish", uri);
        return this;
    }

    /** @return the Aeron URI this bridge subscribes to. */
    public String subscribeUri()
    {
        return subscribeUri;
    }

    /** @param uri Aeron URI to subscribe to, e.g. {@code aeron:udp?endpoint=10.0.0.1:40123}. @return this. */
    public BridgeConfig subscribe(final String uri)
    {
        this.subscribeUri = checkUri("--subscribe", uri);
        return this;
    }

    /** @return stream id of requests. */
    public int requestStream()
    {
        return requestStream;
    }

    /** @param id stream id of requests. @return this. */
    public BridgeConfig requestStream(final int id)
    {
        this.requestStream = id;
        return this;
    }

    /** @return stream id of responses. */
    public int responseStream()
    {
        return responseStream;
    }

    /** @param id stream id of responses. @return this. */
    public BridgeConfig responseStream(final int id)
    {
        this.responseStream = id;
        return this;
    }

    /** @return the external driver's directory, or null for an embedded driver. */
    public String aeronDir()
    {
        return aeronDir;
    }

    /** @param dir directory of a running external media driver (null: embedded driver). @return this. */
    public BridgeConfig aeronDir(final String dir)
    {
        this.aeronDir = dir;
        return this;
    }

    /**
     * @param side "host-side" or "guest-side".
     * @return the embedded driver's directory: as set, or {@code /dev/shm/shmipc-bridge-SIDE-NAME}.
     */
    public Path embeddedDir(final String side)
    {
        return embeddedDir != null ? embeddedDir :
            SharedSegment.SHM_DIRECTORY.resolve("shmipc-bridge-" + side + "-" + localName());
    }

    /** @param dir directory of the embedded driver (removed when the bridge stops). @return this. */
    public BridgeConfig embeddedDir(final Path dir)
    {
        this.embeddedDir = dir;
        return this;
    }

    /** @return threading mode of the embedded driver. */
    public ThreadingMode driverThreading()
    {
        return driverThreading;
    }

    /**
     * @param mode threading mode of the embedded driver (default {@link #DRIVER_THREADING_DEFAULT}); {@code INVOKER}
     *             runs it, and the Aeron client's conductor, on the bridge's agent.
     * @return this.
     */
    public BridgeConfig driverThreading(final ThreadingMode mode)
    {
        this.driverThreading = Objects.requireNonNull(mode);
        return this;
    }

    /** @return idle strategy string of the bridge's agent and of blocks waiting for Aeron. */
    public String idle()
    {
        return idle;
    }

    /**
     * @param spec idle strategy string of the agent (see idle-strategies.md); a {@code wait} strategy blocks on the
     *             local channel's signal, and its timeout bounds how late a message from Aeron is noticed.
     * @return this.
     */
    public BridgeConfig idle(final String spec)
    {
        IdleStrategies.parse(spec);
        this.idle = spec;
        return this;
    }

    /** @return idle strategy string of the embedded driver's threads. */
    public String driverIdle()
    {
        return driverIdle;
    }

    /** @param spec idle strategy string of the embedded driver's threads (not {@code wait}). @return this. */
    public BridgeConfig driverIdle(final String spec)
    {
        this.driverIdle = checkIdle(spec);
        return this;
    }

    /** @return term length of the embedded driver's publications, or 0 for Aeron's default. */
    public int termLength()
    {
        return termLength;
    }

    /**
     * @param length term length of the embedded driver's publications (a power of two, 64 KiB to 1 GiB): Aeron's
     *               longest message is an eighth of it (at most 16 MiB). 0: Aeron's default (16 MiB, so 2 MiB).
     * @return this.
     */
    public BridgeConfig termLength(final int length)
    {
        this.termLength = length;
        return this;
    }

    /** @return capacity of each queue of the channel a guest-side bridge creates. */
    public int capacity()
    {
        return capacity;
    }

    /** @param capacity of each queue of the local channel the guest-side bridge creates. @return this. */
    public BridgeConfig capacity(final int capacity)
    {
        this.capacity = capacity;
        return this;
    }

    /** @return how long a host-side bridge waits at start for its local channel. */
    public Duration openTimeout()
    {
        return openTimeout;
    }

    /** @param timeout how long a host-side bridge waits at start for its local channel. @return this. */
    public BridgeConfig openTimeout(final Duration timeout)
    {
        this.openTimeout = Objects.requireNonNull(timeout);
        return this;
    }

    /** @return how long to wait at start for the far side, or null to wait for ever. */
    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /** @param timeout how long to wait at start for the far side (null: for ever). @return this. */
    public BridgeConfig connectTimeout(final Duration timeout)
    {
        this.connectTimeout = timeout;
        return this;
    }

    /**
     * @return how long after a new run of requests began a guest-side bridge still attributes responses to the
     * requests of the old run that were not answered yet.
     */
    public Duration staleGrace()
    {
        return staleGrace;
    }

    /**
     * @param grace see {@link #staleGrace()}; zero for none.
     * @return this.
     * @throws IllegalArgumentException if negative.
     */
    public BridgeConfig staleGrace(final Duration grace)
    {
        if (Objects.requireNonNull(grace).isNegative())
        {
            throw new IllegalArgumentException("staleGrace must not be negative, was " + grace);
        }
        this.staleGrace = grace;
        return this;
    }

    /** @return the embedded driver's publication-connection and image-liveness timeout, or null for Aeron's. */
    public Duration linkTimeout()
    {
        return linkTimeout;
    }

    /**
     * @param timeout how soon the embedded driver declares a silent far side gone (publication connection and image
     *                liveness timeouts); null for Aeron's defaults (5 s and 10 s).
     * @return this.
     */
    public BridgeConfig linkTimeout(final Duration timeout)
    {
        this.linkTimeout = timeout;
        return this;
    }

    /** @return where errors go (default: one line on stderr). */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /** @param handler where errors go. @return this. */
    public BridgeConfig errorHandler(final ErrorHandler handler)
    {
        this.errorHandler = Objects.requireNonNull(handler);
        return this;
    }

    /** @return CPU placement of the bridge's agent thread ({@code none}, {@code cpu=3}, ..., see affinity.md). */
    public String agentAffinity()
    {
        return agentAffinity;
    }

    /** @param spec CPU placement of the agent thread. @return this. */
    public BridgeConfig agentAffinity(final String spec)
    {
        this.agentAffinity = PlacementSpec.parse(spec).toString();
        return this;
    }

    /** @return CPU placement of the embedded driver's threads. */
    public String driverAffinity()
    {
        return driverAffinity;
    }

    /** @param spec CPU placement of the embedded driver's threads. @return this. */
    public BridgeConfig driverAffinity(final String spec)
    {
        this.driverAffinity = PlacementSpec.parse(spec).toString();
        return this;
    }

    /** @return true if the application runs the bridge's agent itself ({@link Bridge#invoker()}). */
    public boolean invoker()
    {
        return invoker;
    }

    /**
     * @param invoker true: no agent thread; the application calls {@link Bridge#invoker()}{@code .invoke()} in its
     *                own duty cycle (or composes {@link Bridge#agent()} with its agents). Default false: a dedicated
     *                thread.
     * @return this.
     */
    public BridgeConfig invoker(final boolean invoker)
    {
        this.invoker = invoker;
        return this;
    }

    void check()
    {
        if (publishUri == null || subscribeUri == null)
        {
            throw new IllegalArgumentException("a bridge needs both --publish and --subscribe (Aeron URIs)");
        }
        if (requestStream == responseStream && publishUri.equals(subscribeUri))
        {
            throw new IllegalArgumentException("--publish and --subscribe are the same URI and stream id: a bridge " +
                "would read its own messages");
        }
    }

    private static String checkIdle(final String spec)
    {
        if (IdleStrategies.parse(spec).name().equals(IdleStrategies.WAIT))
        {
            throw new IllegalArgumentException("idle strategy \"" + spec + "\" blocks on a channel's semaphore: the " +
                "driver's threads have none; accepted here: busy-spin, yield, no-op, backoff:...");
        }
        return spec;
    }

    private static String checkUri(final String option, final String uri)
    {
        Objects.requireNonNull(uri, option);
        final ChannelUri parsed;
        try
        {
            parsed = ChannelUri.parse(uri);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException(option + " " + uri + " is not an Aeron URI " +
                "(aeron:udp?endpoint=HOST:PORT or aeron:ipc): " + ex.getMessage(), ex);
        }
        final String media = parsed.media();
        if (!"udp".equals(media) && !"ipc".equals(media))
        {
            throw new IllegalArgumentException(option + " " + uri + ": media \"" + media + "\" is not udp or ipc");
        }
        if ("udp".equals(media) && parsed.get("endpoint") == null && parsed.get("control") == null)
        {
            throw new IllegalArgumentException(option + " " + uri + ": a udp URI needs endpoint=HOST:PORT " +
                "(the bridge binds to the interface you name, never to a wildcard of its own choosing)");
        }
        return uri;
    }
}
