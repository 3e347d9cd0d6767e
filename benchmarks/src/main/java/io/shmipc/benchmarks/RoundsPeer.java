package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One process of a round-method run ({@code bench peer --plan FILE}): creates every variant of the plan, each in
 * its own class loader ({@link VariantLoader}), then either drives the rounds (pinger, consumer) or serves whichever
 * variant the control file names (ponger, producer), and writes what it measured to its result file:
 * <ul>
 *     <li>driving side: {@code round.R.V.ops}, {@code round.R.V.wallNanos}, {@code round.R.V.cpuNanos} per round R
 *     and variant V, {@code round.R.V.backlogged} (throughput: of the ops, messages read with a backlog waiting,
 *     {@link RoundVariant#backlogged()}), and the histogram {@code round.R.V} in ping-pong mode;</li>
 *     <li>serving side: {@code serve.V.PHASE.cpuNanos} and {@code .wallNanos} (its CPU while it served V in a
 *     phase), the same per measured round as {@code round.R.V.serve.cpuNanos} and {@code .wallNanos}, and in
 *     wake-up mode the histogram {@code round.R.V} of one-way latencies.</li>
 * </ul>
 * Single-threaded: everything runs on the thread the parent pinned.
 */
final class RoundsPeer
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final RoundPlan plan;
    private final ControlFile control;
    private final RoundVariant[] variants;
    private final boolean[] signals;

    private RoundsPeer(final RoundPlan plan, final ControlFile control, final RoundVariant[] variants,
        final boolean[] signals)
    {
        this.plan = plan;
        this.control = control;
        this.variants = variants;
        this.signals = signals;
    }

    /**
     * Play {@code role} of the plan. Variants with signals use the semaphore pair the plan names for them.
     */
    static void run(final RoundPlan plan, final String role, final ControlFile control, final String controlPath,
        final long timeoutNanos, final long maxLifeNanos, final ResultFile out)
    {
        final RoundVariant[] variants = new RoundVariant[plan.variants.size()];
        final boolean[] signals = new boolean[variants.length];
        try
        {
            for (int i = 0; i < variants.length; i++)
            {
                final Map<String, String> options = plan.options(i);
                options.put("role", role);
                options.put("control", controlPath);
                options.put("timeoutNanos", Long.toString(timeoutNanos));
                options.put("maxLifeNanos", Long.toString(maxLifeNanos));
                final RoundPlan.Variant variant = plan.variants.get(i);
                if (variant.signals && null != variant.signalRequest)
                {
                    final boolean posts = PeerCommand.PINGER.equals(role) || PeerCommand.PRODUCER.equals(role);
                    options.put("signalIn", posts ? variant.signalResponse : variant.signalRequest);
                    options.put("signalOut", posts ? variant.signalRequest : variant.signalResponse);
                    signals[i] = true;
                }
                variants[i] = VariantLoader.create(role + "-" + i + "-" + variant.name, options, variant.classPath);
            }
            final RoundsPeer peer = new RoundsPeer(plan, control, variants, signals);
            if (PeerCommand.PINGER.equals(role) || PeerCommand.CONSUMER.equals(role))
            {
                peer.drive(out);
            }
            else
            {
                peer.serve(maxLifeNanos, out);
            }
        }
        finally
        {
            for (final RoundVariant v : variants)
            {
                if (null != v)
                {
                    v.close();
                }
            }
        }
    }

    private void drive(final ResultFile out)
    {
        awaitReady();
        final int n = variants.length;
        int current = -1;
        control.round(-1);
        for (int pass = 0; pass < plan.warmupPasses; pass++)
        {
            for (final int v : Rounds.order(plan.groups, pass))
            {
                current = switchTo(current, v, ControlFile.WARMUP);
                variants[v].run(plan.warmupCount / plan.warmupPasses, plan.warmupNanos / plan.warmupPasses, null);
            }
        }
        final boolean wake = "wake".equals(plan.mode);
        final boolean latency = "pingpong".equals(plan.mode);
        for (int r = 0; r < plan.rounds; r++)
        {
            control.round(r);
            control.progress(r + 1);
            for (final int v : Rounds.order(plan.groups, r))
            {
                final String key = "round." + r + "." + v;
                if (wake)
                {
                    current = switchTo(current, v, ControlFile.IDLE);
                    sleep(plan.quietNanos);
                    current = switchTo(current, v, ControlFile.WAKE);
                    out.put(key + ".ops", variants[v].oneWay(plan.wakeSamples, plan.wakeGapNanos));
                    continue;
                }
                current = switchTo(current, v, ControlFile.MEASURE);
                variants[v].run(plan.settleCount, plan.settleNanos, null);
                final Histogram histogram = latency ? PeerCommand.newHistogram() : null;
                final long backlogged0 = variants[v].backlogged();
                final long cpu0 = THREADS.getCurrentThreadCpuTime();
                final long wall0 = System.nanoTime();
                final long ops = variants[v].run(plan.sliceCount, plan.sliceNanos, histogram);
                final long wall = System.nanoTime() - wall0;
                final long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
                out.put(key + ".ops", ops);
                out.put(key + ".backlogged", variants[v].backlogged() - backlogged0);
                out.put(key + ".wallNanos", wall);
                out.put(key + ".cpuNanos", cpu);
                if (null != histogram)
                {
                    out.put(key, histogram);
                }
            }
        }
        out.put("variants", n);
        control.switchTo(-1, ControlFile.DONE);
        for (int v = 0; v < n; v++)
        {
            if (signals[v])
            {
                variants[v].nudge();
            }
        }
    }

    /**
     * Make {@code next} the variant measured in {@code phase}; wake the other side if it may be blocked in the
     * previous variant's {@code wait}.
     *
     * @return next.
     */
    private int switchTo(final int previous, final int next, final int phase)
    {
        control.switchTo(next, phase);
        if (previous >= 0 && signals[previous])
        {
            variants[previous].nudge();
        }
        return next;
    }

    private void serve(final long maxLifeNanos, final ResultFile out)
    {
        final long deadline = System.nanoTime() + maxLifeNanos;
        final boolean wake = "wake".equals(plan.mode);
        final Map<String, long[]> usage = new HashMap<>();
        final Map<String, Histogram> recorded = new HashMap<>();
        control.ready();
        int seen = 0;
        long spins = 0;
        while (true)
        {
            final int now = control.switchCount();
            if (now == seen)
            {
                Thread.onSpinWait();
                if ((++spins & 4095) == 0 && System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("run not done within " + Durations.format(maxLifeNanos));
                }
                continue;
            }
            seen = now;
            final int phase = control.phase();
            final int v = control.variant();
            if (ControlFile.DONE == phase)
            {
                break;
            }
            if (v < 0 || v >= variants.length)
            {
                continue;
            }
            Histogram record = null;
            final int round = control.round();
            if (wake && ControlFile.WAKE == phase && round >= 0)
            {
                record = recorded.computeIfAbsent("round." + round + "." + v, k -> PeerCommand.newHistogram());
            }
            final long cpu0 = THREADS.getCurrentThreadCpuTime();
            final long wall0 = System.nanoTime();
            variants[v].serve(now, record);
            final long wall = System.nanoTime() - wall0;
            final long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            final long[] u = usage.computeIfAbsent("serve." + v + "." + ControlFile.phaseName(phase).replace("-", ""),
                k -> new long[2]);
            u[0] += cpu;
            u[1] += wall;
            if (ControlFile.MEASURE == phase && round >= 0)
            {
                final long[] perRound = usage.computeIfAbsent("round." + round + "." + v + ".serve", k -> new long[2]);
                perRound[0] += cpu;
                perRound[1] += wall;
            }
        }
        for (final Map.Entry<String, long[]> e : usage.entrySet())
        {
            out.put(e.getKey() + ".cpuNanos", e.getValue()[0]);
            out.put(e.getKey() + ".wallNanos", e.getValue()[1]);
        }
        for (final Map.Entry<String, Histogram> e : recorded.entrySet())
        {
            out.put(e.getKey(), e.getValue());
        }
    }

    private void awaitReady()
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!control.isReady())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the other process did not attach within 60 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static void sleep(final long nanos)
    {
        final long deadline = System.nanoTime() + nanos;
        long left;
        while ((left = deadline - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }
}
