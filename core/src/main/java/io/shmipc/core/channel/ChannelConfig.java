package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.core.segment.ChannelNames;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.affinity.PlacementSpec;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.IdleStrategyFactory;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Configuration of one side of a channel ({@link IpcHost} or {@link IpcGuest}). Immutable; built with
 * {@link #builder(String)}, whose defaults can be overridden by system properties:
 * <table>
 *   <caption>system properties</caption>
 *   <tr><td>{@value #READER_IDLE_PROP}</td>
 *       <td>idle strategy of the reader thread, default {@value #DEFAULT_IDLE}</td></tr>
 *   <tr><td>{@value #WRITER_IDLE_PROP}</td>
 *       <td>idle strategy of the writer thread, default {@value #DEFAULT_IDLE}</td></tr>
 *   <tr><td>{@value #READER_AFFINITY_PROP}</td><td>CPU placement of the reader thread, default {@code none}</td></tr>
 *   <tr><td>{@value #WRITER_AFFINITY_PROP}</td><td>CPU placement of the writer thread, default {@code none}</td></tr>
 * </table>
 * Idle strategies are strings of {@link IdleStrategies} ({@code busy-spin} burns a whole core per thread, always;
 * {@code wait} spins briefly, then blocks on the channel's semaphore and costs no CPU while idle). Placements are
 * strings of {@link PlacementSpec} ({@code none}, {@code cpu=3}, {@code cpus=2-3}, {@code isolated},
 * {@code sibling-of=reader}, {@code core-of=reader}).
 */
public final class ChannelConfig
{
    /** System property naming the reader's idle strategy. */
    public static final String READER_IDLE_PROP = "shmipc.reader.idle";
    /** System property naming the writer's idle strategy. */
    public static final String WRITER_IDLE_PROP = "shmipc.writer.idle";
    /** System property naming the reader's CPU placement. */
    public static final String READER_AFFINITY_PROP = "shmipc.reader.affinity";
    /** System property naming the writer's CPU placement. */
    public static final String WRITER_AFFINITY_PROP = "shmipc.writer.affinity";

    /** Call slots of a host when none are set: calls in flight at once (a power of two). */
    public static final int CALL_SLOTS_DEFAULT = 4096;

    /**
     * Longest park of a calling thread that waits while another caller reads for it ({@link ReadMode#CALLER}), when
     * none is set: 1 ms. A safety net only: the reading caller completes the follower's call and unparks it, or
     * hands it the lead, as soon as it can.
     */
    public static final Duration FOLLOWER_PARK_DEFAULT = Duration.ofMillis(1);

    /** System property of the default threading mode: {@code dedicated}, {@code shared} or {@code invoker}. */
    public static final String THREADING_MODE_PROP = "shmipc.threading.mode";

    /** Threading mode when neither the builder nor {@link #THREADING_MODE_PROP} sets one. */
    public static final ThreadingMode THREADING_MODE_DEFAULT = ThreadingMode.DEDICATED;

    /**
     * Default write mode: the sending thread writes into the shared queue itself, under a lock, with no thread
     * hand-off. Measured on 2 vCPUs (docs/benchmarks.md, {@code bench calls}) it is faster than a writer thread at
     * 1, 4 and 8 calling threads, since every hand-off is a thread wake-up; {@link WriteMode#WRITER_THREAD} batches
     * many senders' messages into one publish, for machines with a core to spare for it.
     */
    public static final WriteMode WRITE_MODE_DEFAULT = WriteMode.CALLER;

    /** Error handler when none is set: one line on standard error per error, no stack trace. */
    public static final ErrorHandler DEFAULT_ERROR_HANDLER =
        error -> System.err.println("shmipc: error: " + error);

    /** Default idle strategy: spin, yield, park, then block on the signal; no CPU while idle. */
    public static final String DEFAULT_IDLE = "wait";
    /** Default queue capacity, that of the C++ benchmark: 32 MiB. */
    public static final int DEFAULT_CAPACITY = 32 * 1024 * 1024;

    /** Thread role of the writer, in thread names {@code shmipc-writer-NAME} and affinity specs. */
    public static final String WRITER_ROLE = "writer";
    /** Thread role of the reader, in thread names {@code shmipc-reader-NAME} and affinity specs. */
    public static final String READER_ROLE = "reader";

    private final String name;
    private final int capacity;
    private final Set<PosixFilePermission> permissions;
    private final boolean unlinkOnClose;
    private final String readerIdle;
    private final String writerIdle;
    private final String readerAffinity;
    private final String writerAffinity;
    private final WriteMode writeMode;
    /** Null when not given: each side has its own default (see {@link #readMode()}). */
    private final ReadMode readMode;
    private final boolean trustPeer;
    private final Duration openTimeout;
    private final Duration callTimeout;
    private final Duration peerTimeout;
    private final int handoffCapacity;
    private final ThreadingMode threadingMode;
    private final IdleStrategyFactory readerIdleFactory;
    private final IdleStrategyFactory writerIdleFactory;
    private final int callSlots;
    private final long followerParkNanos;
    private final ErrorHandler errorHandler;
    private final AtomicCounter errorCounter;

    private ChannelConfig(final Builder b)
    {
        this.name = b.name;
        this.capacity = b.capacity;
        this.permissions = Set.copyOf(b.permissions);
        this.unlinkOnClose = b.unlinkOnClose;
        this.readerIdle = b.readerIdleFactory != null ? b.readerIdleFactory.toString() :
            checked(b.readerIdle, b.set.contains(READER_IDLE_PROP), READER_IDLE_PROP,
                v -> IdleStrategies.parse(v).toString());
        this.writerIdle = b.writerIdleFactory != null ? b.writerIdleFactory.toString() :
            checked(b.writerIdle, b.set.contains(WRITER_IDLE_PROP), WRITER_IDLE_PROP,
                v -> IdleStrategies.parse(v).toString());
        this.readerIdleFactory = b.readerIdleFactory != null ? b.readerIdleFactory : IdleStrategies.parse(readerIdle);
        this.writerIdleFactory = b.writerIdleFactory != null ? b.writerIdleFactory : IdleStrategies.parse(writerIdle);
        this.readerAffinity = checked(b.readerAffinity, b.set.contains(READER_AFFINITY_PROP), READER_AFFINITY_PROP,
            v -> PlacementSpec.parse(v).toString());
        this.writerAffinity = checked(b.writerAffinity, b.set.contains(WRITER_AFFINITY_PROP), WRITER_AFFINITY_PROP,
            v -> PlacementSpec.parse(v).toString());
        this.writeMode = b.writeMode;
        this.readMode = b.readMode;
        this.trustPeer = b.trustPeer;
        this.openTimeout = b.openTimeout;
        this.callTimeout = b.callTimeout;
        this.peerTimeout = b.peerTimeout;
        this.handoffCapacity = b.handoffCapacity;
        this.threadingMode = b.threadingMode != null ? b.threadingMode :
            ThreadingMode.parse(System.getProperty(THREADING_MODE_PROP, THREADING_MODE_DEFAULT.name()),
                "property " + THREADING_MODE_PROP);
        this.errorHandler = b.errorHandler;
        this.errorCounter = b.errorCounter;
        this.callSlots = b.callSlots;
        this.followerParkNanos = b.followerPark.toNanos();
    }

    /** @return the longest park of a caller that waits while another reads for it, in nanoseconds. */
    public long followerParkNanos()
    {
        return followerParkNanos;
    }

    /** @return how many calls a host may have in flight: the size of its preallocated call table. */
    public int callSlots()
    {
        return callSlots;
    }

    /**
     * Parse a setting; when it came from a system property, a bad value's message names the property.
     */
    private static String checked(
        final String value, final boolean setInCode, final String property,
        final UnaryOperator<String> parse)
    {
        try
        {
            return parse.apply(value);
        }
        catch (final IllegalArgumentException ex)
        {
            if (setInCode)
            {
                throw ex;
            }
            throw new IllegalArgumentException("property " + property + "=" + value + ": " + ex.getMessage(), ex);
        }
    }

    /** @return how the side's agents get threads. */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * @return told of every error a side meets and survives (an exception from a handler, which is counted, the
     * message skipped, and the channel goes on). Failures that stop a side go to {@code failure()} instead.
     */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /** @return incremented with every error, as Agrona's agent runners do; may be null. */
    public AtomicCounter errorCounter()
    {
        return errorCounter;
    }

    /**
     * @param name the channel's name (checked: no '/', no "..", at most {@value ChannelNames#MAX_LENGTH} bytes).
     * @return a builder with the defaults and the system-property overrides.
     */
    public static Builder builder(final String name)
    {
        return new Builder(ChannelNames.check(name));
    }

    /** @return the channel's name. */
    public String name()
    {
        return name;
    }

    /** @return each queue's data capacity in bytes. */
    public int capacity()
    {
        return capacity;
    }

    /** @return mode of the files and semaphores the host creates. */
    public Set<PosixFilePermission> permissions()
    {
        return permissions;
    }

    /** @return the mode as an octal int, e.g. {@code 0600}, for the semaphores. */
    public int mode()
    {
        int mode = 0;
        for (final PosixFilePermission permission : permissions)
        {
            mode |= 1 << (8 - permission.ordinal());
        }
        return mode;
    }

    /** @return whether the host removes the segment and the semaphores when it closes. */
    public boolean unlinkOnClose()
    {
        return unlinkOnClose;
    }

    /** @return makes the reader's idle strategy: the parsed {@link #readerIdle()} string or the application's own. */
    public IdleStrategyFactory readerIdleFactory()
    {
        return readerIdleFactory;
    }

    /** @return makes the writer's idle strategy: the parsed {@link #writerIdle()} string or the application's own. */
    public IdleStrategyFactory writerIdleFactory()
    {
        return writerIdleFactory;
    }

    /**
     * @return canonical idle strategy string of the reader thread (for a factory the application gave, its
     * {@code toString()}).
     */
    public String readerIdle()
    {
        return readerIdle;
    }

    /** @return canonical idle strategy string of the writer thread (for an application's factory, its toString). */
    public String writerIdle()
    {
        return writerIdle;
    }

    /** @return placement spec of the reader thread. */
    public String readerAffinity()
    {
        return readerAffinity;
    }

    /** @return placement spec of the writer thread. */
    public String writerAffinity()
    {
        return writerAffinity;
    }

    /** @return how messages reach the shared queue ({@link #WRITE_MODE_DEFAULT} unless given). */
    public WriteMode writeMode()
    {
        return writeMode;
    }

    /**
     * @return which thread reads the incoming queue, if given; otherwise the side's default: {@link IpcHost} reads
     * on its calling threads ({@link ReadMode#CALLER}, the fastest way to wait for a response), a
     * {@link HostChannel} and an {@link IpcGuest} have a reader thread ({@link ReadMode#READER_THREAD}, which is
     * what this method returns when nothing was given).
     */
    public ReadMode readMode()
    {
        return readMode != null ? readMode : ReadMode.READER_THREAD;
    }

    /**
     * @param sideDefault the read mode of the side when none was given.
     * @return the read mode given, or {@code sideDefault}.
     */
    ReadMode readModeOr(final ReadMode sideDefault)
    {
        return readMode != null ? readMode : sideDefault;
    }

    /**
     * @return whether this side's reader polls block headers because its peer is shmipc (see
     * {@link SimpleIpcRingBuffer#trustShmipcWriter(boolean)}).
     */
    public boolean trustPeer()
    {
        return trustPeer;
    }

    /** @return how long a guest waits for the host's segment and semaphores. */
    public Duration openTimeout()
    {
        return openTimeout;
    }

    /** @return default timeout of a host's call. */
    public Duration callTimeout()
    {
        return callTimeout;
    }

    /** @return how long a peer's heartbeat may stay still before the peer counts as gone. */
    public Duration peerTimeout()
    {
        return peerTimeout;
    }

    /** @return bytes of the in-process queue between application threads and the writer thread. */
    public int handoffCapacity()
    {
        return handoffCapacity;
    }

    /**
     * The largest message this side can send, and which queue sets it: a queue of {@link #capacity()} carries up to
     * {@code capacity - 8} bytes in one block, and in {@link WriteMode#WRITER_THREAD} every message first passes the
     * hand-off queue, which carries up to {@link #handoffCapacity()} / 8 (Agrona's {@code ManyToOneRingBuffer} rule). A
     * guest's queue has its host's capacity, so its ring limit is known only once it has attached.
     *
     * @return the smaller of the two limits that apply.
     */
    public int maxMessageLength()
    {
        final int ring = SimpleIpcDescriptor.maxMsgLength(capacity);
        return writeMode == WriteMode.WRITER_THREAD ? Math.min(ring, maxHandoffMessageLength(handoffCapacity)) : ring;
    }

    /**
     * @param handoffCapacity bytes of a hand-off queue.
     * @return the longest message it carries: an Agrona {@code ManyToOneRingBuffer} takes at most 1/8 of its capacity.
     */
    private static int maxHandoffMessageLength(final int handoffCapacity)
    {
        return handoffCapacity >> 3;
    }

    @Override
    public String toString()
    {
        return "ChannelConfig{name=" + name + ", capacity=" + capacity + ", mode=" +
            PosixFilePermissions.toString(permissions) + ", unlinkOnClose=" + unlinkOnClose + ", readerIdle=" +
            readerIdle + ", writerIdle=" + writerIdle + ", readerAffinity=" + readerAffinity + ", writerAffinity=" +
            writerAffinity + ", writeMode=" + writeMode + ", readMode=" +
            (readMode != null ? readMode : "side default") + ", threadingMode=" +
            threadingMode + ", trustPeer=" + trustPeer + ", openTimeout=" + openTimeout + ", callTimeout=" +
            callTimeout + ", peerTimeout=" + peerTimeout + '}';
    }

    /**
     * Builder of {@link ChannelConfig}. Values are checked when set or, for strategy and placement strings, by
     * {@link #build()}, with messages that list what is accepted.
     */
    public static final class Builder
    {
        private final String name;
        private int capacity = DEFAULT_CAPACITY;
        private Set<PosixFilePermission> permissions = SharedSegment.DEFAULT_PERMISSIONS;
        private boolean unlinkOnClose = true;
        private String readerIdle = System.getProperty(READER_IDLE_PROP, DEFAULT_IDLE);
        private String writerIdle = System.getProperty(WRITER_IDLE_PROP, DEFAULT_IDLE);
        private String readerAffinity = System.getProperty(READER_AFFINITY_PROP, "none");
        private String writerAffinity = System.getProperty(WRITER_AFFINITY_PROP, "none");
        private WriteMode writeMode = WRITE_MODE_DEFAULT;
        private ReadMode readMode;
        private boolean trustPeer;
        private Duration openTimeout = Duration.ofSeconds(10);
        private Duration callTimeout = Duration.ofSeconds(5);
        private Duration peerTimeout = Duration.ofSeconds(3);
        private int handoffCapacity = 1024 * 1024;
        private ThreadingMode threadingMode;
        private IdleStrategyFactory readerIdleFactory;
        private IdleStrategyFactory writerIdleFactory;
        private int callSlots = CALL_SLOTS_DEFAULT;
        private Duration followerPark = FOLLOWER_PARK_DEFAULT;
        private ErrorHandler errorHandler = DEFAULT_ERROR_HANDLER;
        private AtomicCounter errorCounter;
        /** Properties whose value was set in code, not taken from the system property. */
        private final Set<String> set = new HashSet<>();

        private Builder(final String name)
        {
            this.name = name;
        }

        /**
         * @param capacity of each queue's data area: a multiple of 8 (see {@link SimpleIpcDescriptor}).
         * @return this.
         */
        public Builder capacity(final int capacity)
        {
            SimpleIpcDescriptor.checkSegmentCapacity(capacity);
            this.capacity = capacity;
            return this;
        }

        /**
         * @param permissions e.g. {@code rw-rw----} for a group; applied to the segment and the semaphores.
         * @return this.
         */
        public Builder permissions(final String permissions)
        {
            this.permissions = PosixFilePermissions.fromString(permissions);
            return this;
        }

        /**
         * @param unlink whether the host removes the segment and semaphores on close (default true).
         * @return this.
         */
        public Builder unlinkOnClose(final boolean unlink)
        {
            this.unlinkOnClose = unlink;
            return this;
        }

        /**
         * @param spec idle strategy string of the reader, e.g. {@code busy-spin} or {@code wait:timeout=100ms}.
         * @return this.
         */
        public Builder readerIdle(final String spec)
        {
            this.readerIdle = Objects.requireNonNull(spec, "readerIdle");
            set.add(READER_IDLE_PROP);
            return this;
        }

        /**
         * @param spec idle strategy string of the writer thread.
         * @return this.
         */
        public Builder writerIdle(final String spec)
        {
            this.writerIdle = Objects.requireNonNull(spec, "writerIdle");
            set.add(WRITER_IDLE_PROP);
            return this;
        }

        /**
         * @param spec CPU placement of the reader thread.
         * @return this.
         */
        public Builder readerAffinity(final String spec)
        {
            this.readerAffinity = Objects.requireNonNull(spec, "readerAffinity");
            set.add(READER_AFFINITY_PROP);
            return this;
        }

        /**
         * @param spec CPU placement of the writer thread.
         * @return this.
         */
        public Builder writerAffinity(final String spec)
        {
            this.writerAffinity = Objects.requireNonNull(spec, "writerAffinity");
            set.add(WRITER_AFFINITY_PROP);
            return this;
        }

        /**
         * @param mode caller writes (default, {@link #WRITE_MODE_DEFAULT}) or a writer thread.
         * @return this.
         */
        public Builder writeMode(final WriteMode mode)
        {
            this.writeMode = Objects.requireNonNull(mode, "writeMode");
            return this;
        }

        /**
         * @param mode reader thread or, for a host, the calling threads read (leader/follower); the default depends
         *             on the side, see {@link ChannelConfig#readMode()}.
         * @return this.
         */
        public Builder readMode(final ReadMode mode)
        {
            this.readMode = Objects.requireNonNull(mode, "readMode");
            return this;
        }

        /**
         * @param trust true when the peer is shmipc, so this side's reader may poll block headers instead of
         *              writePos (one cache line per message instead of two). Never with a C++/Go peer, whose writer
         *              does not keep the header slots clean: see {@link SimpleIpcRingBuffer#trustShmipcWriter}.
         *              Default false.
         * @return this.
         */
        public Builder trustPeer(final boolean trust)
        {
            this.trustPeer = trust;
            return this;
        }

        /**
         * @param timeout how long a guest waits for the host to create the channel.
         * @return this.
         */
        public Builder openTimeout(final Duration timeout)
        {
            this.openTimeout = positive("openTimeout", timeout);
            return this;
        }

        /**
         * @param timeout default timeout of {@link IpcHost#callAsync}.
         * @return this.
         */
        public Builder callTimeout(final Duration timeout)
        {
            this.callTimeout = positive("callTimeout", timeout);
            return this;
        }

        /**
         * @param timeout how long a peer's heartbeat may stay still before the peer counts as gone.
         * @return this.
         */
        public Builder peerTimeout(final Duration timeout)
        {
            this.peerTimeout = positive("peerTimeout", timeout);
            return this;
        }

        /**
         * @param bytes of the in-process queue to the writer thread: a power of two of at least 4096.
         * @return this.
         */
        public Builder handoffCapacity(final int bytes)
        {
            if (bytes < 4096 || Integer.bitCount(bytes) != 1)
            {
                throw new IllegalArgumentException("handoffCapacity must be a power of two >= 4096, was " + bytes);
            }
            this.handoffCapacity = bytes;
            return this;
        }

        /**
         * @param mode how the agents get threads; null for the {@link #THREADING_MODE_PROP} property or
         *             {@link #THREADING_MODE_DEFAULT}.
         * @return this.
         */
        public Builder threadingMode(final ThreadingMode mode)
        {
            this.threadingMode = mode;
            return this;
        }

        /**
         * @param factory makes the reader's idle strategy (any Agrona {@code IdleStrategy}); replaces a strategy
         *                string. The string setter and the property are for configuration files and the CLI.
         * @return this.
         */
        public Builder readerIdle(final IdleStrategyFactory factory)
        {
            this.readerIdleFactory = Objects.requireNonNull(factory, "readerIdle factory");
            return this;
        }

        /**
         * @param factory makes the writer's idle strategy; replaces a strategy string.
         * @return this.
         */
        public Builder writerIdle(final IdleStrategyFactory factory)
        {
            this.writerIdleFactory = Objects.requireNonNull(factory, "writerIdle factory");
            return this;
        }

        /**
         * @param slots calls a host may have in flight at once: a power of two; a call beyond them is refused.
         * @return this.
         * @throws IllegalArgumentException if not a power of two from 1 to 2^20.
         */
        public Builder callSlots(final int slots)
        {
            if (slots < 1 || slots > (1 << 20) || Integer.bitCount(slots) != 1)
            {
                throw new IllegalArgumentException("callSlots must be a power of two from 1 to " + (1 << 20) +
                    ", was " + slots);
            }
            this.callSlots = slots;
            return this;
        }

        /**
         * @param park longest park of a calling thread that waits while another caller reads for it
         *             ({@link ReadMode#CALLER}) before it looks again; default {@link #FOLLOWER_PARK_DEFAULT}. Linux
         *             rounds a park up to the thread's timer slack ({@code /proc/self/timerslack_ns}, 50 us by
         *             default).
         * @return this.
         * @throws IllegalArgumentException if not positive.
         */
        public Builder followerPark(final Duration park)
        {
            this.followerPark = positive("followerPark", park);
            return this;
        }

        /**
         * @param handler told of every error a side survives (on the thread that met it).
         * @return this.
         */
        public Builder errorHandler(final ErrorHandler handler)
        {
            this.errorHandler = Objects.requireNonNull(handler, "errorHandler");
            return this;
        }

        /**
         * @param counter incremented with every error; null for none.
         * @return this.
         */
        public Builder errorCounter(final AtomicCounter counter)
        {
            this.errorCounter = counter;
            return this;
        }

        /**
         * @return the configuration.
         * @throws IllegalArgumentException if an idle strategy or placement string is invalid, with what is accepted
         *                                  (naming the system property when the value came from one).
         */
        public ChannelConfig build()
        {
            return new ChannelConfig(this);
        }

        private static Duration positive(final String what, final Duration value)
        {
            if (value == null || value.isNegative() || value.isZero())
            {
                throw new IllegalArgumentException(what + " must be positive, was " + value);
            }
            return value;
        }
    }
}
