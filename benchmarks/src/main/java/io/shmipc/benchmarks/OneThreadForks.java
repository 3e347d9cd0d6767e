package io.shmipc.benchmarks;

import com.fasterxml.jackson.jr.ob.JSON;
import io.shmipc.idle.ChildJvm;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench one-thread --forks N}: the same run in N fresh JVMs, one after the other, each writing its JSON, and
 * every ratio as the median over the forks of each fork's median. One JVM settles in its own compiled code and
 * memory layout: at 1024 B the ratio of two runs of one build differed by more than 10% from one JVM to the next
 * (0.96 to 1.07, issue 14), far more than the IQR over the rounds of either. Not thread safe.
 */
final class OneThreadForks
{
    /** The JSON of a run with {@code --forks} above 1: every fork's result as it wrote it, and the forks' ratios. */
    record Forked(String command, String method, Machine machine, int forks, List<Object> runs,
        List<SizeOverForks> overForks)
    {
    }

    /** One message size over the forks: each variant's ratio, the self-check and the goal. */
    record SizeOverForks(int messageBytes, List<ForkRatio> ratios, int selfCheckPassedForks, String selfCheck,
        String goalAtLeastAgrona)
    {
    }

    /** A variant's rate over Agrona's: the median of the forks' medians, their lowest and highest, and each one. */
    record ForkRatio(String name, double median, double min, double max, List<Double> perFork)
    {
    }

    /** What a fork may take beyond its rounds: starting the JVM, compiling, loading five copies of the rings. */
    private static final long FORK_OVERHEAD_NANOS = TimeUnit.SECONDS.toNanos(60);

    private OneThreadForks()
    {
    }

    /**
     * Run {@code forks} child JVMs of {@code one-thread} with {@code childArgs} (every option but {@code --forks},
     * {@code --jvm-opt} and {@code --json}), print each fork's ratios and the ratios over the forks.
     *
     * @param roundsNanos the time one fork's rounds take, warm-up included, for its time bound.
     * @return the run, for the JSON.
     * @throws IllegalStateException with the fork's output if one fails or exceeds its time bound.
     */
    static Forked run(final int forks, final List<String> jvmOptions, final List<String> childArgs,
        final long roundsNanos, final PrintStream out)
    {
        final ChildJvm template = ChildJvm.of(BenchMain.class).jvmOptions(jvmOptions);
        final Machine machine = Machine.describe(template.jvmOptions());
        out.printf(Locale.ROOT, "one-thread in %d fresh JVMs, one after the other; JVM options: %s%n", forks,
            machine.jvmOptions());
        final List<Object> runs = new ArrayList<>();
        // per size, per variant: each fork's median ratio to agrona
        final Map<Integer, Map<String, List<Double>>> ratios = new LinkedHashMap<>();
        final Map<Integer, Integer> selfChecksPassed = new LinkedHashMap<>();
        try (Cleanup cleanup = new Cleanup())
        {
            final Path dir = PairRun.createTempDirectory("shmipc-one-thread");
            cleanup.add(() -> PairRun.deleteTree(dir));
            for (int fork = 1; fork <= forks; fork++)
            {
                final Map<String, Object> result = runFork(cleanup, dir, fork, forks, jvmOptions, childArgs,
                    roundsNanos);
                runs.add(result);
                final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "fork %d of %d:", fork, forks));
                for (final Object sizeObject : (List<?>)result.get("sizes"))
                {
                    final Map<?, ?> size = (Map<?, ?>)sizeObject;
                    final int bytes = ((Number)size.get("messageBytes")).intValue();
                    line.append(String.format(Locale.ROOT, " %d B", bytes));
                    final Map<String, List<Double>> sizeRatios = ratios.computeIfAbsent(bytes,
                        k -> new LinkedHashMap<>());
                    for (final Object ratioObject : (List<?>)size.get("ratios"))
                    {
                        final Map<?, ?> ratio = (Map<?, ?>)ratioObject;
                        final String name = (String)ratio.get("name");
                        final double median = ((Number)((Map<?, ?>)ratio.get("toAgrona")).get("median")).doubleValue();
                        sizeRatios.computeIfAbsent(name, k -> new ArrayList<>()).add(median);
                        if (!OneThreadCommand.AGRONA.equals(name))
                        {
                            line.append(String.format(Locale.ROOT, " %s %.2f", name, median));
                        }
                    }
                    final boolean passed = OneThreadCommand.SELF_CHECK_PASSED.equals(size.get("selfCheck"));
                    selfChecksPassed.merge(bytes, passed ? 1 : 0, Integer::sum);
                    line.append(passed ? ";" : " (self-check NOT passed);");
                }
                out.println(line.substring(0, line.length() - 1));
            }
        }
        return new Forked("one-thread", "rounds", machine, forks, runs, overForks(ratios, selfChecksPassed, forks,
            out));
    }

    private static List<SizeOverForks> overForks(final Map<Integer, Map<String, List<Double>>> ratios,
        final Map<Integer, Integer> selfChecksPassed, final int forks, final PrintStream out)
    {
        out.printf(Locale.ROOT, "%nover %d forks (fresh JVMs): rate / agrona's, median of the forks' medians " +
            "(range)%n", forks);
        final List<SizeOverForks> sizes = new ArrayList<>();
        ratios.forEach((bytes, byVariant) ->
        {
            out.printf(Locale.ROOT, "%n%d bytes%n", bytes);
            final List<ForkRatio> list = new ArrayList<>();
            Rounds.Spread selfCheck = null;
            Rounds.Spread shmipc = null;
            double shmipcMin = 0;
            double shmipcMax = 0;
            for (final Map.Entry<String, List<Double>> entry : byVariant.entrySet())
            {
                final double[] sorted = entry.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
                final Rounds.Spread spread = Rounds.spread(sorted);
                final double min = sorted[0];
                final double max = sorted[sorted.length - 1];
                list.add(new ForkRatio(entry.getKey(), Latency.significant(spread.median), min, max,
                    entry.getValue()));
                out.printf(Locale.ROOT, "%-18s %.2f (%.2f-%.2f)%n", entry.getKey(), spread.median, min, max);
                if (OneThreadCommand.AGRONA_B.equals(entry.getKey()))
                {
                    selfCheck = spread;
                }
                else if (OneThreadRing.SHMIPC.equals(entry.getKey()))
                {
                    shmipc = spread;
                    shmipcMin = min;
                    shmipcMax = max;
                }
            }
            final int passed = selfChecksPassed.get(bytes);
            final String selfCheckText = OneThreadCommand.selfCheckText(selfCheck);
            final String goal = shmipcMin < 1.0 && 1.0 <= shmipcMax && shmipc.relativeIqr() > Rounds.MAX_RELATIVE_IQR ?
                "cannot judge: the spread over forks is too wide" : shmipc.median >= 1.0 ? Rounds.Verdict.MET.text :
                Rounds.Verdict.NOT_MET.text;
            out.printf(Locale.ROOT, "self-check %s / %s over the forks: %s (median %.2f; passed in %d of %d forks)%n",
                OneThreadCommand.AGRONA_B, OneThreadCommand.AGRONA, selfCheckText, selfCheck.median, passed, forks);
            out.printf(Locale.ROOT, "goal shmipc >= 1.00 x agrona (one thread, over the forks): %s (median %.2f, " +
                "range %.2f-%.2f)%n", goal, shmipc.median, shmipcMin, shmipcMax);
            sizes.add(new SizeOverForks(bytes, list, passed, selfCheckText, goal));
        });
        return sizes;
    }

    private static Map<String, Object> runFork(final Cleanup cleanup, final Path dir, final int fork, final int forks,
        final List<String> jvmOptions, final List<String> childArgs, final long roundsNanos)
    {
        final Path json = dir.resolve("fork-" + fork + ".json");
        final Path log = dir.resolve("fork-" + fork + ".log");
        final List<String> command = ChildJvm.of(BenchMain.class).jvmOptions(jvmOptions).args("one-thread")
            .args(childArgs).args("--json", json.toString()).command();
        final long boundNanos = FORK_OVERHEAD_NANOS + 2 * roundsNanos;
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
            cleanup.add(() -> PairRun.kill(process));
            if (!process.waitFor(boundNanos, TimeUnit.NANOSECONDS))
            {
                throw forkFailed(fork, forks, "exceeded its bound of " + Durations.format(boundNanos), log);
            }
            if (0 != process.exitValue())
            {
                throw forkFailed(fork, forks, "exited with " + process.exitValue(), log);
            }
            return JSON.std.mapFrom(Files.readString(json, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("one-thread fork " + fork + " of " + forks + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("one-thread fork " + fork + " of " + forks + ": interrupted", ex);
        }
    }

    private static IllegalStateException forkFailed(final int fork, final int forks, final String what,
        final Path log)
    {
        return new IllegalStateException("one-thread fork " + fork + " of " + forks + " " + what +
            "\n--- its output:\n" + PairRun.tail(log));
    }
}
