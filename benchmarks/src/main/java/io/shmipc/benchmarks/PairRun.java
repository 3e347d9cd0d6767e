package io.shmipc.benchmarks;

import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.idle.ChildJvm;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One two-process run: creates the run's control file, ring segment and (for {@code wait}) semaphores under unique
 * names, starts the passive process (ponger or producer) and then the active one (pinger or consumer) as child JVMs,
 * shows their progress, waits for both with a bound, and returns their result files. Whatever happens, the children
 * are killed and every file and semaphore is removed before {@link #run} returns, or by a shutdown hook if this JVM
 * is stopped first.
 */
final class PairRun
{
    /** Ring data capacity of the ping-pong and throughput segments: a power of two, as Agrona's ring needs. */
    static final int CAPACITY = 1 << 20;

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final long POLL_MS = 250;

    /** What one run does. */
    static final class Spec
    {
        String label;
        String variant = "shmipc";
        String mode = "pingpong";
        String activeRole = PeerCommand.PINGER;
        String passiveRole = PeerCommand.PONGER;
        String idle = "busy-spin";
        boolean trustWriter;
        boolean signals;
        int size = 32;
        RunLength run;
        int activeCpu = -1;
        int passiveCpu = -1;
        long idleNanos = TimeUnit.SECONDS.toNanos(2);
        int wakeSamples = 200;
        long wakeGapNanos = TimeUnit.MILLISECONDS.toNanos(10);
        long worstOperationNanos = TimeUnit.MICROSECONDS.toNanos(200);
        /** Round method: the plan (variant "rounds"); PairRun creates a segment per ring variant. */
        RoundPlan plan;
    }

    /** The two result files. */
    static final class Outcome
    {
        final ResultFile active;
        final ResultFile passive;

        Outcome(final ResultFile active, final ResultFile passive)
        {
            this.active = active;
            this.passive = passive;
        }
    }

    private PairRun()
    {
    }

    /**
     * Run one pair to completion.
     *
     * @throws IllegalStateException with the children's output if either fails or the run exceeds its time bound.
     */
    static Outcome run(final BenchContext context, final Spec spec)
    {
        final String name = context.shmPrefix() + "-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        final Path controlPath = SharedSegment.SHM_DIRECTORY.resolve(name + "-control");
        final Path segmentPath = SharedSegment.SHM_DIRECTORY.resolve(name);
        try (Cleanup cleanup = new Cleanup())
        {
            final Path dir = createTempDirectory(name);
            cleanup.add(() -> deleteTree(dir));
            final ControlFile control = ControlFile.create(controlPath);
            cleanup.add(() -> delete(controlPath));
            cleanup.add(control::close);
            final Path planPath = dir.resolve("plan.properties");
            if (null != spec.plan)
            {
                for (int i = 0; i < spec.plan.variants.size(); i++)
                {
                    final RoundPlan.Variant v = spec.plan.variants.get(i);
                    if (v.isFloor())
                    {
                        continue;
                    }
                    final Path path = SharedSegment.SHM_DIRECTORY.resolve(name + "-v" + i);
                    SharedSegment.create(path, CAPACITY, "agrona".equals(v.layout) ? SegmentLayout.AGRONA :
                        SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS).close();
                    cleanup.add(() -> delete(path));
                    v.segment = path.toString();
                    if (v.signals)
                    {
                        // each variant its own pair, so one ring's surplus posts never wake another's reader
                        v.signalRequest = NamedSignals.requestSignalName(name + "-v" + i);
                        v.signalResponse = NamedSignals.responseSignalName(name + "-v" + i);
                        for (final String signal : new String[]{v.signalRequest, v.signalResponse})
                        {
                            NamedSignals.create(signal, 0600).close();
                            cleanup.add(() -> NamedSignals.unlink(signal));
                        }
                    }
                }
                spec.plan.write(planPath);
            }
            else if (!"floor".equals(spec.variant))
            {
                final SegmentLayout layout =
                    "agrona".equals(spec.variant) ? SegmentLayout.AGRONA : SegmentLayout.SIMPLE_IPC;
                SharedSegment.create(segmentPath, CAPACITY, layout, SharedSegment.DEFAULT_PERMISSIONS).close();
                cleanup.add(() -> delete(segmentPath));
            }
            final String req = NamedSignals.requestSignalName(name);
            final String resp = NamedSignals.responseSignalName(name);
            if (spec.signals)
            {
                for (final String signal : new String[]{req, resp})
                {
                    final NamedSignal created = NamedSignals.create(signal, 0600);
                    created.close();
                    cleanup.add(() -> NamedSignals.unlink(signal));
                }
            }

            final List<String> common = new ArrayList<>(List.of(
                "--variant", spec.variant, "--mode", spec.mode, "--control", controlPath.toString(),
                "--size", Integer.toString(spec.size), "--run", spec.run.toArgs(), "--idle", spec.idle,
                "--idle-ns", Long.toString(spec.idleNanos), "--wake-samples", Integer.toString(spec.wakeSamples),
                "--wake-gap-ns", Long.toString(spec.wakeGapNanos)));
            if (null != spec.plan)
            {
                common.addAll(List.of("--plan", planPath.toString()));
            }
            else if (!"floor".equals(spec.variant))
            {
                common.addAll(List.of("--segment", segmentPath.toString()));
            }
            if (spec.trustWriter)
            {
                common.add("--trust-writer");
            }
            final long boundNanos = TimeUnit.SECONDS.toNanos(60) + (null != spec.plan ?
                spec.plan.boundNanos(spec.worstOperationNanos) : spec.run.boundNanos(spec.worstOperationNanos) +
                ("wake".equals(spec.mode) ? spec.idleNanos + 2 * spec.wakeSamples * spec.wakeGapNanos : 0));
            common.addAll(List.of("--max-life-ns", Long.toString(boundNanos)));

            final Path passiveResult = dir.resolve(spec.passiveRole + ".result");
            final Path activeResult = dir.resolve(spec.activeRole + ".result");
            final Path passiveLog = dir.resolve(spec.passiveRole + ".log");
            final Path activeLog = dir.resolve(spec.activeRole + ".log");
            final Process passive = start(context, cleanup, spec.passiveRole, common, passiveResult, passiveLog,
                spec.passiveCpu, spec.signals ? req : null, spec.signals ? resp : null);
            final Process active = start(context, cleanup, spec.activeRole, common, activeResult, activeLog,
                spec.activeCpu, spec.signals ? resp : null, spec.signals ? req : null);

            final Progress progress = context.progress();
            final long deadline = System.nanoTime() + boundNanos;
            while (!active.waitFor(POLL_MS, TimeUnit.MILLISECONDS))
            {
                progress.show(spec.label, control.phase(), control.progress(), spec);
                if (!passive.isAlive() && 0 != passive.exitValue())
                {
                    throw failure(spec,
                        spec.passiveRole + " exited with " + passive.exitValue() + " before the run ended",
                        passiveLog, activeLog);
                }
                if (System.nanoTime() - deadline > 0)
                {
                    throw failure(spec, "run exceeded its bound of " + Durations.format(boundNanos), passiveLog,
                        activeLog);
                }
            }
            progress.done(spec.label);
            if (0 != active.exitValue())
            {
                throw failure(spec, spec.activeRole + " exited with " + active.exitValue(), passiveLog, activeLog);
            }
            if (!passive.waitFor(30, TimeUnit.SECONDS))
            {
                throw failure(spec, spec.passiveRole + " did not finish within 30 s after the " + spec.activeRole,
                    passiveLog, activeLog);
            }
            if (0 != passive.exitValue())
            {
                throw failure(spec, spec.passiveRole + " exited with " + passive.exitValue(), passiveLog, activeLog);
            }
            return new Outcome(ResultFile.read(activeResult), ResultFile.read(passiveResult));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(spec.label + ": interrupted", ex);
        }
    }

    private static Process start(
        final BenchContext context,
        final Cleanup cleanup,
        final String role,
        final List<String> common,
        final Path result,
        final Path log,
        final int cpu,
        final String signalIn,
        final String signalOut)
    {
        final ChildJvm child = context.child()
            .args("peer", "--role", role, "--result", result.toString(), "--cpu", Integer.toString(cpu))
            .args(common);
        if (null != signalIn)
        {
            child.args("--signal-in", signalIn, "--signal-out", signalOut);
        }
        final List<String> command = child.command();
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        try
        {
            final Process process = builder.start();
            cleanup.add(() -> kill(process));
            return process;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start the " + role + " JVM (" + command.get(0) + "): " + ex, ex);
        }
    }

    /**
     * Kill the process if it is alive and wait up to 10 s for it to go.
     */
    static void kill(final Process process)
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
            try
            {
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static IllegalStateException failure(
        final Spec spec, final String what, final Path passiveLog, final Path activeLog)
    {
        return new IllegalStateException(spec.label + ": " + what + "\n--- " + spec.passiveRole + " output:\n" +
            tail(passiveLog) + "\n--- " + spec.activeRole + " output:\n" + tail(activeLog));
    }

    /**
     * @return the last 30 lines of a child's log, or why there are none.
     */
    static String tail(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }

    /**
     * @throws UncheckedIOException if the directory cannot be created.
     */
    static Path createTempDirectory(final String name)
    {
        try
        {
            return Files.createTempDirectory(name + "-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a temporary directory: " + ex, ex);
        }
    }

    private static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + file + ": " + ex, ex);
        }
    }

    /**
     * Delete a directory and everything in it, if it exists.
     *
     * @throws UncheckedIOException if something cannot be deleted.
     */
    static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(PairRun::delete);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + dir + ": " + ex, ex);
        }
    }
}
