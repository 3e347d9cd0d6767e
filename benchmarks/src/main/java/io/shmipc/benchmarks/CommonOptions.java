package io.shmipc.benchmarks;

import io.shmipc.tools.cli.DurationConverter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Options every bench command takes: how long to warm up and measure, where results go, and how the child JVMs run.
 */
final class CommonOptions
{
    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
        description = "Measure each run for this long, e.g. 10s or 500ms (instead of --iterations).")
    Duration duration;

    @Option(names = "--iterations", paramLabel = "N",
        description = "Measure each run for this many operations (round trips, messages).")
    Long iterations;

    @Option(names = "--warmup", paramLabel = "N|TIME",
        description = "Warm up each run for this many operations, or for a time such as 2s.")
    String warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results",
        description = "Directory for .hgrm files and plots (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--jvm-opt", paramLabel = "OPTION",
        description = "An extra option for both child JVMs, e.g. --jvm-opt=-XX:+UseParallelGC (repeatable).")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--quiet", description = "No progress on standard error.")
    boolean quiet;

    @Option(names = "--shm-prefix", hidden = true, defaultValue = "shmipc-bench",
        description = "Start of the /dev/shm file and semaphore names (followed by the pid and a counter).")
    String shmPrefix;

    /**
     * @param defaultWarmup  used without {@code --warmup}.
     * @param defaultMeasure used without {@code --duration} and {@code --iterations}.
     * @throws IllegalArgumentException if both {@code --duration} and {@code --iterations} are given, or a value
     *                                  is bad.
     */
    RunLength runLength(final String defaultWarmup, final String defaultMeasure)
    {
        if (null != duration && null != iterations)
        {
            throw new IllegalArgumentException("give --duration or --iterations, not both (got --duration " +
                DurationConverter.format(duration) + " and --iterations " + iterations + ")");
        }
        return RunLength.of(null == warmup ? defaultWarmup : warmup, iterations, duration, defaultMeasure);
    }

    BenchContext context()
    {
        if (!shmPrefix.matches("[A-Za-z0-9._-]{1,100}"))
        {
            throw new IllegalArgumentException("--shm-prefix: letters, digits, '.', '_' and '-' only, got \"" +
                shmPrefix + "\"");
        }
        return new BenchContext(jvmOptions, shmPrefix, new Progress(System.err, !quiet));
    }

    /**
     * @return the output directory, created if missing.
     * @throws UncheckedIOException if it cannot be created.
     */
    Path outDirectory()
    {
        try
        {
            return Files.createDirectories(out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("--out " + out + ": cannot create the directory: " + ex, ex);
        }
    }
}
