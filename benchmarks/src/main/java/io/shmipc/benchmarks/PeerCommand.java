package io.shmipc.benchmarks;

import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.CpuSet;
import io.shmipc.affinity.ThreadPin;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.idle.IdleSpec;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.SleepGuard;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * One process of a two-process run, started by the parent {@link BenchMain} command with {@code bench peer ...};
 * not meant to be run by hand. The parent creates the segment, the control file and the semaphores and removes them;
 * this process opens them, pins its thread if asked, plays its role and writes its results to {@code --result}.
 */
@Command(name = "peer", hidden = true, description = "internal: one side of a two-process benchmark run")
final class PeerCommand implements Callable<Integer>
{
    static final String PINGER = "pinger";
    static final String PONGER = "ponger";
    static final String PRODUCER = "producer";
    static final String CONSUMER = "consumer";

    @Option(names = "--role", required = true)
    String role;

    @Option(names = "--variant", required = true, description = "shmipc, agrona or floor")
    String variant;

    @Option(names = "--mode", defaultValue = "pingpong", description = "pingpong or wake")
    String mode;

    @Option(names = "--control", required = true)
    Path control;

    @Option(names = "--segment")
    Path segment;

    @Option(names = "--result", required = true)
    Path result;

    @Option(names = "--size", defaultValue = "32")
    int size;

    @Option(names = "--run", required = true)
    String run;

    @Option(names = "--idle", defaultValue = "busy-spin")
    String idle;

    @Option(names = "--signal-in")
    String signalIn;

    @Option(names = "--signal-out")
    String signalOut;

    @Option(names = "--trust-writer", description = "the shmipc reader polls block headers (both sides shmipc)")
    boolean trustWriter;

    @Option(names = "--cpu", defaultValue = "-1")
    int cpu;

    @Option(names = "--timeout-ns", defaultValue = "10000000000")
    long timeoutNanos;

    @Option(names = "--max-life-ns", defaultValue = "600000000000")
    long maxLifeNanos;

    @Option(names = "--idle-ns", defaultValue = "2000000000")
    long idleNanos;

    @Option(names = "--wake-samples", defaultValue = "200")
    int wakeSamples;

    @Option(names = "--wake-gap-ns", defaultValue = "10000000")
    long wakeGapNanos;

    @Option(names = "--plan", description = "round method: the plan file written by the parent (RoundPlan)")
    Path plan;

    /**
     * {@inheritDoc}
     */
    public Integer call() throws Exception
    {
        final ResultFile out = new ResultFile();
        final ThreadPin pin = -1 == cpu ? null : Affinity.pinCurrentThread(CpuSet.of(cpu));
        out.put("cpus", Affinity.currentThreadCpus().toString());
        try (ControlFile control = ControlFile.open(this.control))
        {
            if (null != plan)
            {
                RoundsPeer.run(RoundPlan.read(plan), role, control, this.control.toString(), timeoutNanos,
                    maxLifeNanos, out);
            }
            else if ("floor".equals(variant))
            {
                floor(control, out);
            }
            else
            {
                rings(control, out);
            }
        }
        finally
        {
            if (null != pin)
            {
                pin.close();
            }
        }
        out.write(result);
        return 0;
    }

    private void floor(final ControlFile control, final ResultFile out)
    {
        final PhaseClock clock = new PhaseClock();
        if (PINGER.equals(role))
        {
            final Histogram histogram = newHistogram();
            awaitReady(control);
            final long count = FloorPingPong.ping(control, RunLength.parse(run), histogram, clock, timeoutNanos);
            control.phase(ControlFile.DONE);
            out.put("count", count);
            out.put("histogram", histogram);
        }
        else if (PONGER.equals(role))
        {
            FloorPingPong.pong(control, clock, maxLifeNanos);
        }
        else
        {
            throw new IllegalArgumentException("--role " + role + " is not a floor role: expected pinger or ponger");
        }
        out.put(clock, "measure");
    }

    private void rings(final ControlFile control, final ResultFile out)
    {
        if (null == segment)
        {
            throw new IllegalArgumentException("--segment is required for the " + variant + " variant");
        }
        try (SharedSegment shared = SharedSegment.open(segment, false, Duration.ofSeconds(10));
            NamedSignal in = null == signalIn ? null : NamedSignals.open(signalIn, Duration.ofSeconds(10));
            NamedSignal outSignal = null == signalOut ? null : NamedSignals.open(signalOut, Duration.ofSeconds(10)))
        {
            final boolean host = PINGER.equals(role) || PRODUCER.equals(role);
            final RingBuffer toPeer = shared.ring(host ? QueueId.TO_GUEST : QueueId.FROM_GUEST);
            final RingBuffer fromPeer = shared.ring(host ? QueueId.FROM_GUEST : QueueId.TO_GUEST);
            if (trustWriter && fromPeer instanceof SimpleIpcRingBuffer)
            {
                ((SimpleIpcRingBuffer)fromPeer).trustShmipcWriter(true);
            }
            final SleepGuard guard = fromPeer instanceof SimpleIpcRingBuffer ? (SimpleIpcRingBuffer)fromPeer :
                SleepGuard.NONE;
            final IdleSpec spec = IdleStrategies.parse(idle);
            final IdleStrategy strategy = spec.newStrategy(in, guard);
            if (null != in && fromPeer instanceof SimpleIpcRingBuffer)
            {
                ((SimpleIpcRingBuffer)fromPeer).awake();
            }
            final PhaseClock clock = new PhaseClock();
            switch (role)
            {
                case PINGER:
                {
                    final RingPinger pinger = new RingPinger(
                        toPeer, fromPeer, size, strategy, outSignal, control, timeoutNanos);
                    awaitReady(control);
                    if ("wake".equals(mode))
                    {
                        pinger.wakeUps(RunLength.parse(run), idleNanos, wakeSamples, wakeGapNanos);
                    }
                    else
                    {
                        final Histogram histogram = newHistogram();
                        out.put("count", pinger.pingPong(RunLength.parse(run), histogram, clock));
                        out.put("histogram", histogram);
                    }
                    control.phase(ControlFile.DONE);
                    pinger.nudge();
                    out.put(clock, "measure");
                    break;
                }
                case PONGER:
                {
                    final Histogram wakeUps = newHistogram();
                    final RingPonger ponger = new RingPonger(
                        fromPeer, toPeer, strategy, outSignal, control, wakeUps);
                    ponger.run(maxLifeNanos);
                    out.put(ponger.measureClock(), "measure");
                    out.put(ponger.idleClock(), "idle");
                    out.put("handled", ponger.handled());
                    if ("wake".equals(mode))
                    {
                        out.put("histogram", wakeUps);
                    }
                    break;
                }
                case PRODUCER:
                    out.put("written", ThroughputProducer.run(toPeer, size, control, clock, maxLifeNanos));
                    out.put(clock, "measure");
                    break;
                case CONSUMER:
                {
                    awaitReady(control);
                    final long[] counts = new ThroughputConsumer(fromPeer, control, timeoutNanos)
                        .run(RunLength.parse(run), clock);
                    out.put("messages", counts[0]);
                    out.put("bytes", counts[1]);
                    out.put(clock, "measure");
                    break;
                }
                default:
                    throw new IllegalArgumentException(
                        "--role " + role + ": expected pinger, ponger, producer or consumer");
            }
            if (null != in && fromPeer instanceof SimpleIpcRingBuffer)
            {
                ((SimpleIpcRingBuffer)fromPeer).resetReaderState();
            }
        }
    }

    private void awaitReady(final ControlFile control)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!control.isReady())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the other process did not attach within 30 s");
            }
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the other process", ex);
            }
        }
    }

    static Histogram newHistogram()
    {
        return new Histogram(1, TimeUnit.MINUTES.toNanos(10), 3);
    }
}
