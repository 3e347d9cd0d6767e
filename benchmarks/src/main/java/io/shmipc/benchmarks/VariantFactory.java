package io.shmipc.benchmarks;

import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.SleepGuard;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Creates one round-method variant inside its own class loader ({@link VariantLoader} calls {@link #create(Map)}
 * reflectively). Options (all strings):
 * <ul>
 *     <li>{@code role}: pinger, ponger (ping-pong and wake-up), consumer or producer (throughput);</li>
 *     <li>{@code kind}: floor, floor-2line (the two-line floor, two slots), floor-spec (the layout's floor, on a
 *     segment, {@link LayoutFloor}) or ring; {@code slot}: the floor's slot in the control file;</li>
 *     <li>{@code mode}: pingpong, wake or throughput;</li>
 *     <li>{@code control}, {@code segment}: paths; {@code size}: message bytes; {@code idle}: strategy spec;</li>
 *     <li>{@code trustWriter}: true for a shmipc reader (or the layout's floor) that polls block headers;</li>
 *     <li>{@code batch}: a shmipc throughput producer, or the layout's floor, appends this many messages per publish
 *     (default 1);</li>
 *     <li>{@code signalIn}, {@code signalOut}: semaphore names or absent; {@code timeoutNanos},
 *     {@code maxLifeNanos}.</li>
 * </ul>
 */
public final class VariantFactory
{
    private VariantFactory()
    {
    }

    /**
     * @param options see the class comment.
     * @return the variant, attached to its segment and signals.
     */
    public static RoundVariant create(final Map<String, String> options)
    {
        return new IsolatedVariant(options);
    }
}

/**
 * One variant: the objects of {@link RingPinger}, {@link RingPonger}, {@link ThroughputConsumer},
 * {@link ThroughputProducer}, {@link FloorVariant} or {@link LayoutFloor} that play its role, over its own mapping of
 * the control file and its own segment.
 */
final class IsolatedVariant implements RoundVariant
{
    private static final int FLOOR_PINGER = 0;
    private static final int FLOOR_PONGER = 1;
    private static final int RING_PINGER = 2;
    private static final int RING_PONGER = 3;
    private static final int CONSUMER = 4;
    private static final int PRODUCER = 5;
    private static final int LAYOUT_PINGER = 6;
    private static final int LAYOUT_PONGER = 7;
    private static final int LAYOUT_CONSUMER = 8;
    private static final int LAYOUT_PRODUCER = 9;

    private final int job;
    private final ControlFile control;
    private final SharedSegment segment;
    private final NamedSignal in;
    private final NamedSignal out;
    private final long maxLifeNanos;
    private final long started = System.nanoTime();
    private final int size;
    private final int batch;
    private FloorVariant floor;
    private LayoutFloor layoutFloor;
    private RingPinger pinger;
    private RingPonger ponger;
    private ThroughputConsumer consumer;
    private RingBuffer producerRing;
    private UnsafeBuffer producerMessage;
    private SimpleIpcRingBuffer readerState;

    IsolatedVariant(final Map<String, String> options)
    {
        final String role = require(options, "role");
        final String kind = require(options, "kind");
        final String mode = options.getOrDefault("mode", "pingpong");
        final long timeoutNanos = Long.parseLong(options.getOrDefault("timeoutNanos", "10000000000"));
        maxLifeNanos = Long.parseLong(options.getOrDefault("maxLifeNanos", "600000000000"));
        size = Integer.parseInt(options.getOrDefault("size", "32"));
        batch = Integer.parseInt(options.getOrDefault("batch", "1"));
        control = ControlFile.open(Path.of(require(options, "control")));
        if ("floor".equals(kind) || RoundPlan.Variant.FLOOR_2LINE.equals(kind))
        {
            segment = null;
            in = null;
            out = null;
            floor = new FloorVariant(control, Integer.parseInt(require(options, "slot")), timeoutNanos,
                RoundPlan.Variant.FLOOR_2LINE.equals(kind));
            job = PeerCommand.PINGER.equals(role) ? FLOOR_PINGER : FLOOR_PONGER;
            return;
        }
        segment = SharedSegment.open(Path.of(require(options, "segment")), false, Duration.ofSeconds(10));
        if (RoundPlan.Variant.FLOOR_SPEC.equals(kind))
        {
            in = null;
            out = null;
            final boolean host = PeerCommand.PINGER.equals(role) || PeerCommand.PRODUCER.equals(role);
            layoutFloor = new LayoutFloor(segment.ring(host ? QueueId.TO_GUEST : QueueId.FROM_GUEST).buffer(),
                segment.ring(host ? QueueId.FROM_GUEST : QueueId.TO_GUEST).buffer(), control, size,
                Boolean.parseBoolean(options.getOrDefault("trustWriter", "false")), timeoutNanos);
            job = layoutJob(role);
            return;
        }
        in = options.containsKey("signalIn") ?
            NamedSignals.open(options.get("signalIn"), Duration.ofSeconds(10)) : null;
        out = options.containsKey("signalOut") ?
            NamedSignals.open(options.get("signalOut"), Duration.ofSeconds(10)) : null;
        final boolean host = PeerCommand.PINGER.equals(role) || PeerCommand.PRODUCER.equals(role);
        final RingBuffer toPeer = segment.ring(host ? QueueId.TO_GUEST : QueueId.FROM_GUEST);
        final RingBuffer fromPeer = segment.ring(host ? QueueId.FROM_GUEST : QueueId.TO_GUEST);
        if (Boolean.parseBoolean(options.getOrDefault("trustWriter", "false")) &&
            fromPeer instanceof SimpleIpcRingBuffer)
        {
            ((SimpleIpcRingBuffer)fromPeer).trustShmipcWriter(true);
        }
        final SleepGuard guard = fromPeer instanceof SimpleIpcRingBuffer ? (SimpleIpcRingBuffer)fromPeer :
            SleepGuard.NONE;
        final IdleStrategy strategy = IdleStrategies.parse(options.getOrDefault("idle", "busy-spin"))
            .newStrategy(in, guard);
        if (null != in && fromPeer instanceof SimpleIpcRingBuffer)
        {
            readerState = (SimpleIpcRingBuffer)fromPeer;
            readerState.awake();
        }
        switch (role)
        {
            case PeerCommand.PINGER:
                pinger = new RingPinger(toPeer, fromPeer, size, strategy, out, control, timeoutNanos);
                job = RING_PINGER;
                break;
            case PeerCommand.PONGER:
                ponger = new RingPonger(fromPeer, toPeer, strategy, out, control, PeerCommand.newHistogram());
                job = RING_PONGER;
                break;
            case PeerCommand.CONSUMER:
                consumer = new ThroughputConsumer(fromPeer, control, timeoutNanos);
                job = CONSUMER;
                break;
            case PeerCommand.PRODUCER:
                producerRing = toPeer;
                producerMessage = new UnsafeBuffer(new byte[size]);
                producerMessage.setMemory(0, size, (byte)0x5A);
                job = PRODUCER;
                break;
            default:
                throw new IllegalArgumentException("role " + role + ": expected pinger, ponger, consumer or producer");
        }
        if (!"pingpong".equals(mode) && !"wake".equals(mode) && !"throughput".equals(mode))
        {
            throw new IllegalArgumentException("mode " + mode + ": expected pingpong, wake or throughput");
        }
    }

    public long run(final long count, final long nanos, final Histogram histogram)
    {
        switch (job)
        {
            case FLOOR_PINGER:
                return floor.ping(count, nanos, histogram);
            case LAYOUT_PINGER:
                return layoutFloor.ping(count, nanos, histogram);
            case LAYOUT_CONSUMER:
                return layoutFloor.consume(count, nanos);
            case RING_PINGER:
                return pinger.slice(count, nanos, histogram);
            case CONSUMER:
                return consumer.slice(count, nanos);
            default:
                throw new IllegalStateException("this variant serves; it does not drive");
        }
    }

    public long backlogged()
    {
        switch (job)
        {
            case LAYOUT_CONSUMER:
                return layoutFloor.backlogged();
            case CONSUMER:
                return consumer.backlogged();
            default:
                return 0;
        }
    }

    public long oneWay(final long count, final long gapNanos)
    {
        if (RING_PINGER != job)
        {
            throw new IllegalStateException("only a ring pinger sends wake-up messages");
        }
        return pinger.oneWay(count, gapNanos);
    }

    public long serve(final int switchCount, final Histogram record)
    {
        final long deadline = started + maxLifeNanos;
        switch (job)
        {
            case FLOOR_PONGER:
                return floor.pong(switchCount, deadline);
            case LAYOUT_PONGER:
                return layoutFloor.pong(switchCount, deadline);
            case LAYOUT_PRODUCER:
                return layoutFloor.produce(switchCount, deadline, batch);
            case RING_PONGER:
                return ponger.serve(switchCount, record, deadline);
            case PRODUCER:
                return ThroughputProducer.serve(producerRing, producerMessage, size, batch, control, switchCount,
                    deadline);
            default:
                throw new IllegalStateException("this variant drives; it does not serve");
        }
    }

    public void nudge()
    {
        if (null != out)
        {
            out.post();
        }
    }

    public void close()
    {
        if (null != readerState)
        {
            readerState.resetReaderState();
        }
        if (null != in)
        {
            in.close();
        }
        if (null != out)
        {
            out.close();
        }
        if (null != segment)
        {
            segment.close();
        }
        control.close();
    }

    private static int layoutJob(final String role)
    {
        switch (role)
        {
            case PeerCommand.PINGER:
                return LAYOUT_PINGER;
            case PeerCommand.PONGER:
                return LAYOUT_PONGER;
            case PeerCommand.CONSUMER:
                return LAYOUT_CONSUMER;
            case PeerCommand.PRODUCER:
                return LAYOUT_PRODUCER;
            default:
                throw new IllegalArgumentException("role " + role + ": expected pinger, ponger, consumer or producer");
        }
    }

    private static String require(final Map<String, String> options, final String key)
    {
        final String value = options.get(key);
        if (null == value)
        {
            throw new IllegalArgumentException("variant option " + key + " is missing (got " + options + ")");
        }
        return value;
    }
}
