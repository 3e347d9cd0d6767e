package io.shmipc.benchmarks;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static io.shmipc.benchmarks.BenchSmokeTest.list;
import static io.shmipc.benchmarks.BenchSmokeTest.map;
import static io.shmipc.benchmarks.BenchSmokeTest.number;
import static io.shmipc.benchmarks.BenchSmokeTest.outputOf;
import static io.shmipc.benchmarks.BenchSmokeTest.readJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench one-thread} end to end with tiny rounds: every variant, a baseline build's ring from a jar, the
 * per-round figures, the self-check and the goal, and the refused command lines. No speed is asserted.
 */
class OneThreadCommandTest
{
    @TempDir
    Path dir;

    @Test
    void everyVariantRunsRoundByRoundAgainstAgronaIncludingABaselineBuild() throws IOException
    {
        final Path json = dir.resolve("one-thread.json");
        final Path baseline = jarOfCore();
        final String[] output = outputOf(() -> assertEquals(0, BenchMain.execute("one-thread", "--sizes", "32,256",
            "--rounds", "3", "--round", "20ms", "--baseline-jar", baseline.toString(), "--json", json.toString()),
            "exit code"));
        final Map<String, Object> root = readJson(json);
        assertEquals("one-thread", root.get("command"));
        assertEquals(3.0, number(map(root, "settings"), "rounds"));
        final List<Map<String, Object>> sizes = list(root, "sizes");
        assertEquals(2, sizes.size());
        for (final Map<String, Object> size : sizes)
        {
            final List<String> names = new ArrayList<>();
            for (final Map<String, Object> variant : list(size, "variants"))
            {
                names.add((String)variant.get("name"));
                assertTrue(number(map(variant, "nanosPerMessage"), "median") > 0, "" + variant);
                assertEquals(3, ((List<?>)variant.get("perRound")).size(), "one figure per round: " + variant);
            }
            assertEquals(List.of("shmipc", "shmipc-headers", "agrona", "agrona-b", "shmipc@baseline"), names);
            for (final Map<String, Object> ratio : list(size, "ratios"))
            {
                final double median = number(map(ratio, "toAgrona"), "median");
                if ("agrona".equals(ratio.get("name")))
                {
                    assertEquals(1.0, median, "agrona against itself, round by round");
                }
                assertTrue(median > 0, "" + ratio);
            }
            assertTrue(Stream.of("passed", "NOT passed").anyMatch(((String)size.get("selfCheck"))::startsWith),
                "" + size);
            assertTrue(Stream.of(Rounds.Verdict.values()).anyMatch(v -> v.text.equals(size.get("goalAtLeastAgrona"))),
                "" + size);
        }
        assertTrue(output[0].contains("self-check agrona-b / agrona: "), output[0]);
        assertTrue(output[0].contains("goal shmipc >= 1.00 x agrona (one thread): "), output[0]);
        assertEquals("", output[1], "nothing on standard error");
    }

    @Test
    void forksRunInFreshJvmsAndEveryRatioIsTheMedianOfTheForks() throws IOException
    {
        final Path json = dir.resolve("forks.json");
        final String[] output = outputOf(() -> assertEquals(0, BenchMain.execute("one-thread", "--forks", "3",
            "--sizes", "32", "--rounds", "3", "--round", "10ms", "--jvm-opt=-Xmx256m", "--json", json.toString()),
            "exit code"));
        final Map<String, Object> root = readJson(json);
        assertEquals(3.0, number(root, "forks"));
        assertTrue(((String)map(root, "machine").get("jvmOptions")).endsWith("-Xmx256m"), "" + root.get("machine"));
        final List<Map<String, Object>> runs = list(root, "runs");
        assertEquals(3, runs.size());
        final List<Map<String, Object>> overForks = list(root, "overForks");
        assertEquals(1, overForks.size());
        final List<Map<String, Object>> ratios = list(overForks.get(0), "ratios");
        assertEquals(List.of("shmipc", "shmipc-headers", "agrona", "agrona-b"),
            ratios.stream().map(r -> r.get("name")).toList());
        for (int v = 0; v < ratios.size(); v++)
        {
            final Map<String, Object> ratio = ratios.get(v);
            final List<?> perFork = (List<?>)ratio.get("perFork");
            assertEquals(3, perFork.size(), "" + ratio);
            final double[] values = perFork.stream().mapToDouble(x -> ((Number)x).doubleValue()).sorted().toArray();
            assertEquals(values[1], number(ratio, "median"), 1e-3, "the middle fork of three: " + ratio);
            assertEquals(values[0], number(ratio, "min"), "" + ratio);
            assertEquals(values[2], number(ratio, "max"), "" + ratio);
            for (int f = 0; f < runs.size(); f++)
            {
                // each fork's figure is the median that fork wrote for this variant
                final Map<String, Object> forkRatio = list(list(runs.get(f), "sizes").get(0), "ratios").get(v);
                assertEquals(ratio.get("name"), forkRatio.get("name"));
                assertEquals(number(map(forkRatio, "toAgrona"), "median"), ((Number)perFork.get(f)).doubleValue());
            }
        }
        assertTrue(Stream.of("passed", "NOT passed").anyMatch(((String)overForks.get(0).get("selfCheck"))::startsWith),
            "" + overForks.get(0));
        assertTrue(output[0].contains("fork 3 of 3: 32 B shmipc "), output[0]);
        assertTrue(output[0].contains("goal shmipc >= 1.00 x agrona (one thread, over the forks): "), output[0]);
        assertEquals("", output[1], "nothing on standard error");
    }

    @Test
    void aForkThatFailsStopsTheRunWithItsOutput()
    {
        final String err = outputOf(() -> assertEquals(BenchMain.EXIT_FAILED, BenchMain.execute("one-thread",
            "--forks", "2", "--sizes", "32", "--rounds", "3", "--round", "10ms", "--jvm-opt=-XX:NoSuchFlagAtAll"),
            "exit code"))[1];
        assertTrue(err.contains("one-thread fork 1 of 2 exited with 1"), err);
        assertTrue(err.contains("NoSuchFlagAtAll"), "the fork's own output: " + err);
    }

    @Test
    void badCommandLinesFailWithUsageCode()
    {
        for (final String[] args : new String[][]{
            {"--rounds: 2 is fewer than 3", "one-thread", "--rounds", "2"},
            {"--sizes: 4 is outside 8..65536", "one-thread", "--sizes", "4"},
            {"--baseline-jar /no/such.jar: no such file", "one-thread", "--baseline-jar", "/no/such.jar"},
            {"has no shmipc ring (io.shmipc.core.ring.SimpleIpcRingBuffer, io.shmipc.core.SimpleIpcRingBuffer)",
                "one-thread", "--baseline-jar", agronaJar()},
            {"'--round': '0s': the duration must be positive", "one-thread", "--round", "0s"},
            {"--forks: 0 is outside 1..100", "one-thread", "--forks", "0"},
            {"--jvm-opt -Xmx1g: needs --forks above 1", "one-thread", "--jvm-opt=-Xmx1g"}})
        {
            final String[] command = Arrays.copyOfRange(args, 1, args.length);
            final String err = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE, BenchMain.execute(command),
                String.join(" ", command)))[1];
            assertTrue(err.contains(args[0]), err);
        }
    }

    /** A jar with no shmipc ring in it. */
    private static String agronaJar()
    {
        try
        {
            return Path.of(UnsafeBuffer.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()).toString();
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** The core build on the test class path, as a jar (a baseline must be a file). */
    private Path jarOfCore() throws IOException
    {
        final Path location;
        try
        {
            location = Path.of(SimpleIpcRingBuffer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
        if (Files.isRegularFile(location))
        {
            return location;
        }
        final Path jar = dir.resolve("baseline-core.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
            Stream<Path> files = Files.walk(location))
        {
            for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
            {
                out.putNextEntry(new JarEntry(location.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
