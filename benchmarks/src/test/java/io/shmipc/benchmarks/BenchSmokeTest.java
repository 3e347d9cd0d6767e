package io.shmipc.benchmarks;

import com.fasterxml.jackson.jr.ob.JSON;
import io.shmipc.tools.cli.HelpTexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs each bench command end to end with tiny run lengths (real child JVMs, real rings) and checks what a user
 * reads: the JSON has every field, percentiles are positive and ordered, the .hgrm files and the plot exist, and
 * nothing is left in /dev/shm. No speed is asserted.
 */
class BenchSmokeTest
{
    static final String PREFIX = "shmipc-bench-test";
    static final String[] FIELDS = {"p50Nanos", "p90Nanos", "p99Nanos", "p999Nanos", "p9999Nanos", "maxNanos"};

    @TempDir
    Path dir;

    @Test
    void pingPongReportsEveryVariantWithPerRoundRatiosAndOrderedPercentiles() throws IOException
    {
        final Path json = dir.resolve("pingpong.json");
        final Path out = dir.resolve("results");
        final int code = BenchMain.execute("pingpong", "--iterations", "2000", "--warmup", "500", "--rounds", "3",
            "--out", out.toString(), "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");

        final Map<String, Object> root = readJson(json);
        assertEquals("pingpong", root.get("command"));
        assertEquals("rounds", root.get("method"));
        final double used = number(map(root, "settings"), "roundsUsed");
        assertTrue(used >= 1 && used <= 3, "rounds used " + used);
        final List<Map<String, Object>> variants = list(root, "variants");
        assertEquals(List.of("floor", "floor-2line", "floor-spec", "floor-spec-headers", "shmipc", "shmipc-headers",
            "agrona"),
            variants.stream().map(v -> v.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> variant : variants)
        {
            assertLatencyEntry(variant);
            assertEquals(used * 2000.0, number(variant, "count"), "round trips measured by " + variant.get("name"));
            assertSpreads(map(variant, "perRound"), variant.get("name") + " per round");
            assertHgrm(out.resolve("pingpong-" + variant.get("name") + ".hgrm"));
        }
        final Map<String, Object> ratios = map(root, "ratios");
        assertEquals(List.of("floor2lineToFloor", "floorSpecToFloor", "floorSpecHeadersToFloor", "shmipcToFloor",
            "shmipcHeadersToFloor", "agronaToFloor", "shmipcToAgrona", "shmipcHeadersToAgrona", "shmipcToFloor2Line",
            "shmipcToFloorSpec", "shmipcHeadersToFloorSpecHeaders", "floorSpecToAgrona", "floorSpecHeadersToAgrona",
            "floor2lineToAgrona"),
            new ArrayList<>(ratios.keySet()));
        for (final String ratio : ratios.keySet())
        {
            assertSpreads(map(ratios, ratio), ratio);
        }
        final Map<String, Object> goal = map(root, "goal");
        for (final String key : new String[]{"shmipcP50AtMostAgrona", "shmipcP99AtMostAgrona",
            "shmipcP50AtMost1_25xFloor", "shmipcHeadersP50AtMost1_15xFloor", "floorSpecP50AtMostAgrona",
            "floorSpecP99AtMostAgrona", "floorSpecP50AtMost1_25xFloor", "floorSpecHeadersP50AtMost1_15xFloor",
            "floor2lineP50AtMostAgrona", "floor2lineP99AtMostAgrona", "floor2lineP50AtMost1_25xFloor"})
        {
            assertTrue(List.of("met", "not_met", "too_wide", "descheduled").contains(map(goal, key).get("verdict")),
                key);
        }
        assertNotNull(map(root, "machine").get("cpuModel"));
        assertPng(out.resolve("pingpong.png"));
        assertNothingLeftInShm();
    }

    /**
     * {@code pingpong --baseline-jar}: the other build's two shmipc rings (here this build's classes in a jar) are
     * measured on the same threads in the same rounds, each with its ratio to its twin, and are not judged.
     */
    @Test
    void pingPongWithABaselineJarMeasuresTheOtherBuildsRingsOnTheSameThreads() throws IOException
    {
        final Path json = dir.resolve("pingpong-baseline.json");
        final Path out = dir.resolve("results");
        final int code = BenchMain.execute("pingpong", "--iterations", "2000", "--warmup", "500", "--rounds", "3",
            "--baseline-jar", jarOfOurClasses().toString(), "--out", out.toString(), "--json", json.toString(),
            "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");
        final Map<String, Object> root = readJson(json);
        final double used = number(map(root, "settings"), "roundsUsed");
        final List<Map<String, Object>> variants = list(root, "variants");
        assertEquals(List.of("floor", "floor-2line", "floor-spec", "floor-spec-headers", "shmipc", "shmipc-headers",
            "agrona", "shmipc@baseline", "shmipc-headers@baseline"),
            variants.stream().map(v -> v.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> variant : variants)
        {
            assertEquals(used * 2000.0, number(variant, "count"), "round trips measured by " + variant.get("name"));
        }
        final Map<String, Object> ratios = map(root, "ratios");
        for (final String key : new String[]{"shmipcToBaseline", "shmipcHeadersToBaseline"})
        {
            assertSpreads(map(ratios, key), key);
        }
        for (final String key : map(root, "goal").keySet())
        {
            assertFalse(key.toLowerCase(Locale.ROOT).contains("baseline"), "the baseline rings are not judged: " + key);
        }
        assertNothingLeftInShm();
    }

    @Test
    void selfCheckRunsTwoFloorsAndSaysWhetherTheMethodResolvesFivePercent() throws IOException
    {
        final Path json = dir.resolve("self-check.json");
        final int code = BenchMain.execute("pingpong", "--self-check", "--iterations", "2000", "--warmup", "500",
            "--rounds", "3", "--out", dir.resolve("results").toString(), "--json", json.toString(),
            "--shm-prefix", PREFIX, "--quiet");
        final Map<String, Object> root = readJson(json);
        final boolean passed = (Boolean)map(root, "goal").get("selfCheckPassed");
        // never a speed assertion: only that the exit code agrees with the verdict
        assertEquals(passed ? 0 : PingPongCommand.EXIT_SELF_CHECK_FAILED, code, "exit code");
        assertEquals(List.of("floor", "floor-b"),
            list(root, "variants").stream().map(v -> v.get("name")).collect(Collectors.toList()));
        assertEquals(List.of("floorBToFloor"), new ArrayList<>(map(root, "ratios").keySet()));
        assertSpreads(map(map(root, "ratios"), "floorBToFloor"), "floor-b / floor");
        assertNothingLeftInShm();
    }

    @Test
    void throughputReportsBothRingsForEverySize() throws IOException
    {
        final Path json = dir.resolve("throughput.json");
        final int code = BenchMain.execute("throughput", "--iterations", "20000", "--warmup", "2000", "--rounds", "3",
            "--out", dir.resolve("results").toString(), "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");

        final Map<String, Object> root = readJson(json);
        assertEquals("throughput", root.get("command"));
        final double used = number(map(root, "settings"), "roundsUsed");
        assertTrue(used >= 1 && used <= 3, "rounds used " + used);
        final List<Map<String, Object>> results = list(root, "results");
        final List<String> seen = new ArrayList<>();
        for (final Map<String, Object> result : results)
        {
            seen.add(result.get("name") + "/" + (long)number(result, "messageBytes"));
            assertTrue(number(result, "messagesPerSecond") > 0, "messagesPerSecond of " + result);
            assertTrue(number(result, "messagesPerSecondQ1") <= number(result, "messagesPerSecond") &&
                number(result, "messagesPerSecond") <= number(result, "messagesPerSecondQ3"), "IQR " + result);
            assertTrue(number(result, "megabytesPerSecond") > 0, "megabytesPerSecond of " + result);
            assertTrue(number(result, "messages") >= used * 20000, "rounds of at least --iterations: " + result);
            assertEquals((int)used, ((List<?>)result.get("perRoundMessagesPerSecond")).size());
            final double behind = number(result, "behindPercent");
            assertTrue(behind >= 0 && behind <= 100, "behindPercent of " + result);
            assertEquals((int)used, ((List<?>)result.get("perRoundBehindPercent")).size());
        }
        final List<String> expected = new ArrayList<>();
        for (final int size : new int[]{32, 256, 1024})
        {
            for (final String ring : new String[]{"shmipc", "agrona", "shmipc-headers", "floor-spec",
                "floor-spec-headers"})
            {
                expected.add(ring + "/" + size);
            }
        }
        assertEquals(expected, seen);
        final List<Map<String, Object>> ratios = new ArrayList<>(list(root, "ratios"));
        assertEquals(3, ratios.size());
        for (final String key : new String[]{"headerRatios", "floorSpecRatios", "floorSpecHeaderRatios"})
        {
            assertEquals(3, list(root, key).size(), key);
            ratios.addAll(list(root, key));
        }
        for (final Map<String, Object> ratio : ratios)
        {
            final double median = number(ratio, "shmipcToAgrona");
            assertTrue(median > 0 && number(ratio, "q1") <= median && median <= number(ratio, "q3"),
                "ratio " + ratio);
            assertEquals((int)used, ((List<?>)ratio.get("perRound")).size());
            assertTrue(ratio.get("sameRegime") instanceof Boolean, "sameRegime of " + ratio);
        }
        assertNothingLeftInShm();
    }

    /**
     * {@code --baseline-jar}: another build's rings (here this build's classes, packed into a jar as a benchmarks.jar
     * is) run as {@code @baseline} variants between the same two processes in the same rounds, and each of this
     * build's rings gets its ratio to its baseline twin.
     */
    @Test
    void throughputWithABaselineJarMeasuresTheOtherBuildsRingsInTheSameRounds() throws IOException
    {
        final Path json = dir.resolve("throughput-baseline.json");
        final int code = BenchMain.execute("throughput", "--sizes", "32", "--iterations", "20000", "--warmup", "2000",
            "--rounds", "3", "--baseline-jar", jarOfOurClasses().toString(), "--out", dir.resolve("results").toString(),
            "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");
        final Map<String, Object> root = readJson(json);
        final double used = number(map(root, "settings"), "roundsUsed");
        assertEquals(List.of("shmipc", "agrona", "shmipc-headers", "floor-spec", "floor-spec-headers",
            "shmipc@baseline", "shmipc-headers@baseline"),
            list(root, "results").stream().map(r -> r.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> result : list(root, "results"))
        {
            assertTrue(number(result, "messages") >= used * 20000, "rounds of at least --iterations: " + result);
        }
        final List<Map<String, Object>> baseline = list(root, "baselineRatios");
        assertEquals(List.of("shmipc / shmipc@baseline", "shmipc-headers / shmipc-headers@baseline"),
            baseline.stream().map(r -> r.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> ratio : baseline)
        {
            final double median = number(ratio, "median");
            assertTrue(median > 0 && number(ratio, "q1") <= median && median <= number(ratio, "q3"), "" + ratio);
            assertEquals((int)used, ((List<?>)ratio.get("perRound")).size());
        }
        assertEquals(1, list(root, "ratios").size(), "the baseline rings are not judged against Agrona");
        assertNothingLeftInShm();

        final String[] missing = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE,
            BenchMain.execute("throughput", "--baseline-jar", "/no/such.jar", "--quiet")));
        assertTrue(missing[1].contains("--baseline-jar /no/such.jar: no such file"), missing[1]);
    }

    /**
     * {@code --forks 2}: the run twice, in fresh pairs of processes; the JSON holds each fork's result and every ratio
     * over the forks (median, range, each fork's).
     */
    @Test
    void throughputWithForksRepeatsTheRunInFreshProcessesAndSummarisesEveryRatio() throws IOException
    {
        final Path json = dir.resolve("throughput-forks.json");
        final String[] output = outputOf(() -> assertEquals(0, BenchMain.execute("throughput", "--forks", "2",
            "--sizes", "32", "--iterations", "20000", "--warmup", "2000", "--rounds", "3", "--out",
            dir.resolve("results").toString(), "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet")));
        assertTrue(output[0].contains("fork 1 of 2: throughput") && output[0].contains("fork 2 of 2: throughput"),
            output[0]);
        assertTrue(output[0].contains("over 2 forks"), output[0]);
        final Map<String, Object> root = readJson(json);
        assertEquals(2.0, number(root, "forks"));
        assertEquals(2, list(root, "runs").size());
        final List<Map<String, Object>> over = list(root, "overForks");
        assertEquals(List.of("shmipc / agrona", "shmipc-headers / agrona", "floor-spec / agrona",
            "floor-spec-headers / agrona"), over.stream().map(r -> r.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> ratio : over)
        {
            assertEquals(32.0, number(ratio, "messageBytes"));
            final List<?> perFork = (List<?>)ratio.get("perFork");
            assertEquals(2, perFork.size());
            assertTrue(number(ratio, "min") <= number(ratio, "median") &&
                number(ratio, "median") <= number(ratio, "max"), "" + ratio);
        }
        assertNothingLeftInShm();

        final String[] bad = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE,
            BenchMain.execute("throughput", "--forks", "0", "--quiet")));
        assertTrue(bad[1].contains("--forks: 0 is outside 1..100"), bad[1]);
    }

    /**
     * Our classes and Agrona's from this JVM's class path in one jar, as a benchmarks.jar holds them: a baseline
     * build's variants load only from their jar.
     */
    private Path jarOfOurClasses() throws IOException
    {
        final Path jar = dir.resolve("baseline-benchmarks.jar");
        final Set<String> written = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)))
        {
            for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
            {
                final Path path = Path.of(entry);
                if (Files.isDirectory(path))
                {
                    try (Stream<Path> files = Files.walk(path))
                    {
                        for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
                        {
                            final String name = path.relativize(file).toString().replace('\\', '/');
                            if (ours(name) && written.add(name))
                            {
                                out.putNextEntry(new JarEntry(name));
                                Files.copy(file, out);
                                out.closeEntry();
                            }
                        }
                    }
                }
                else if (entry.endsWith(".jar") && Files.isRegularFile(path))
                {
                    try (ZipFile zip = new ZipFile(path.toFile()))
                    {
                        for (final ZipEntry e : Collections.list(zip.entries()))
                        {
                            if (!e.isDirectory() && ours(e.getName()) && written.add(e.getName()))
                            {
                                out.putNextEntry(new JarEntry(e.getName()));
                                zip.getInputStream(e).transferTo(out);
                                out.closeEntry();
                            }
                        }
                    }
                }
            }
        }
        return jar;
    }

    private static boolean ours(final String name)
    {
        return name.startsWith("io/shmipc/") || name.startsWith("org/agrona/");
    }

    @Test
    void throughputWithBatchPublicationReportsTheBatchAndItsGoal() throws IOException
    {
        final Path json = dir.resolve("throughput-batch.json");
        final int code = BenchMain.execute("throughput", "--batch", "16", "--sizes", "32", "--iterations", "20000",
            "--warmup", "2000", "--rounds", "3", "--out", dir.resolve("results").toString(), "--json",
            json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");
        final Map<String, Object> root = readJson(json);
        assertEquals(16.0, number(map(root, "settings"), "batch"));
        final double used = number(map(root, "settings"), "roundsUsed");
        final List<String> rings = new ArrayList<>();
        for (final Map<String, Object> result : list(root, "results"))
        {
            rings.add(String.valueOf(result.get("name")));
            assertTrue(number(result, "messages") >= used * 20000, "rounds of at least --iterations: " + result);
        }
        // the layout's floors run with the batch too, so a batch goal the floor misses shows as out of reach
        assertEquals(List.of("shmipc", "agrona", "shmipc-headers", "floor-spec", "floor-spec-headers"), rings);
        assertEquals(1, list(root, "floorSpecRatios").size());
        final Map<String, Object> ratio = list(root, "ratios").get(0);
        assertTrue(List.of("met", "not_met", "too_wide", "descheduled").contains(ratio.get("goalAtLeastAgrona")),
            String.valueOf(ratio));
        assertNothingLeftInShm();

        assertEquals(2, BenchMain.execute("throughput", "--batch", "0", "--quiet"), "--batch 0 is a usage error");
    }

    @Test
    void matrixReportsEveryCellAndTheWakeUpOfTheWaitStrategy() throws IOException
    {
        final Path json = dir.resolve("matrix.json");
        final Path out = dir.resolve("results");
        final int code = BenchMain.execute("matrix", "--strategy", "wait:timeout=50ms",
            "--placements", "none,separate", "--sizes", "32", "--iterations", "2000", "--warmup", "500",
            "--idle-time", "300ms", "--wake-samples", "10", "--wake-gap", "5ms", "--wake-rounds", "2",
            "--out", out.toString(), "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");

        final Map<String, Object> root = readJson(json);
        assertEquals("matrix", root.get("command"));
        final List<String> names = new ArrayList<>();
        for (final Map<String, Object> variant : list(root, "variants"))
        {
            names.add((String)variant.get("name"));
            assertLatencyEntry(variant);
            if (!"floor".equals(variant.get("name")))
            {
                assertEquals(2000.0, number(variant, "count"), "round trips of " + variant.get("name"));
                assertTrue(number(variant, "pingerCpuPercent") > 0, "pinger CPU of " + variant.get("name"));
                assertTrue(number(variant, "pongerCpuPercent") > 0, "ponger CPU of " + variant.get("name"));
                assertHgrm(Path.of((String)variant.get("hgrm")));
            }
        }
        assertEquals(List.of("wait none 32B", "wait separate 32B", "floor", "floor"), names);
        final List<Map<String, Object>> wakeUps = list(root, "wakeUps");
        assertEquals(List.of("wait none", "wait separate"),
            wakeUps.stream().map(w -> w.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> wake : wakeUps)
        {
            assertLatencyEntry(wake);
            assertEquals(10.0, number(wake, "count"), "wake-up samples of " + wake.get("name"));
            assertEquals(2.0, number(wake, "rounds"));
            assertSpreads(map(wake, "perRound"), "wake-up of " + wake.get("name"));
            final double idleCpu = number(wake, "idleCpuPercent");
            assertTrue(idleCpu >= 0 && idleCpu <= 110, "idle CPU of " + wake.get("name") + ": " + idleCpu);
        }
        assertPng(out.resolve("matrix.png"));
        assertPng(out.resolve("matrix-wake.png"));
        assertNothingLeftInShm();
    }

    @Test
    void callsReportsEveryStrategyAndThreadCount() throws IOException
    {
        final Path json = dir.resolve("calls.json");
        final Path out = dir.resolve("results");
        final int code = BenchMain.execute("calls", "--idle", "wait;backoff", "--threads", "1,2",
            "--iterations", "300", "--warmup", "100", "--capacity", "65536",
            "--out", out.toString(), "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");
        final Map<String, Object> root = readJson(json);
        assertEquals("calls", root.get("command"));
        final List<String> names = new ArrayList<>();
        for (final Map<String, Object> variant : list(root, "variants"))
        {
            names.add((String)variant.get("name"));
            assertLatencyEntry(variant);
            assertTrue(number(variant, "calls") >= 300, "measured at least --iterations: " + variant);
            assertTrue(number(variant, "callsPerSecond") > 0, "calls/s of " + variant);
            assertEquals(0.0, number(variant, "expiredResponses"));
            assertHgrm(out.resolve("calls-" + ((String)variant.get("name")).replace('/', '-') + ".hgrm"));
        }
        assertEquals(List.of("wait/1t", "wait/2t", "backoff/1t", "backoff/2t"), names);
        assertPng(out.resolve("calls-1t.png"));
        assertPng(out.resolve("calls-2t.png"));

        final int callerCode = BenchMain.execute("calls", "--idle", "wait", "--threads", "1",
            "--host-write-mode", "CALLER", "--host-read-mode", "CALLER", "--iterations", "300", "--warmup", "100",
            "--capacity", "64KiB", "--out", out.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, callerCode, "one calling thread that writes and reads itself");
        assertEquals(0, BenchMain.execute("calls", "--idle", "wait", "--threads", "2", "--host-write-mode", "CALLER",
            "--host-read-mode", "CALLER", "--iterations", "300", "--warmup", "100", "--capacity", "65536", "--out",
            out.toString(), "--shm-prefix", PREFIX, "--quiet"), "calling threads take turns leading the reads");
        assertNothingLeftInShm();
    }

    @Test
    void callsByTheRoundMethodPairsTheStrategiesRoundByRound() throws IOException
    {
        final Path json = dir.resolve("calls-rounds.json");
        final String[] output = outputOf(() -> assertEquals(0, BenchMain.execute("calls", "--idle", "wait;busy-spin",
            "--threads", "1,2", "--rounds", "2", "--round", "200ms", "--warmup", "100", "--capacity", "64KiB",
            "--out", dir.resolve("results").toString(), "--json", json.toString(), "--shm-prefix", PREFIX,
            "--quiet"), "exit code"));
        final Map<String, Object> root = readJson(json);
        final List<Map<String, Object>> rounded = list(root, "rounds");
        final List<String> names = new ArrayList<>();
        for (final Map<String, Object> variant : rounded)
        {
            final String idle = (String)variant.get("idle");
            names.add(idle.substring(0, idle.indexOf(':') < 0 ? idle.length() : idle.indexOf(':')) + "/" +
                ((Number)variant.get("threads")).intValue() + "t");
            assertTrue(((String)variant.get("reference")).startsWith("wait"), "the first strategy: " + variant);
            @SuppressWarnings("unchecked") final List<Number> perRound =
                (List<Number>)variant.get("perRoundCallsPerSecond");
            assertEquals(2, perRound.size(), "one figure per round: " + variant);
            for (final Number rate : perRound)
            {
                assertTrue(rate.doubleValue() > 0, "calls/s of every round: " + variant);
            }
            assertEquals(2.0, number(map(variant, "callsPerSecond"), "rounds"));
            assertTrue(number(map(map(variant, "latencyNanos"), "p50"), "median") > 0, "p50: " + variant);
            final boolean busySpin = idle.startsWith("busy-spin");
            final Map<String, Object> ratio = map(variant, "callsRatioToReference");
            if (!busySpin)
            {
                assertEquals(1.0, number(ratio, "median"), "wait against itself, round by round");
                assertNull(variant.get("notSlowerThanWait"));
            }
            else
            {
                final Map<String, Object> goal = map(variant, "notSlowerThanWait");
                assertEquals(1.0 - CallsCommand.NOT_SLOWER_TOLERANCE, number(goal, "limit"));
                assertEquals(number(ratio, "median"), number(map(goal, "ratio"), "median"),
                    "judged on the per-round ratio to wait, the reference here");
                assertTrue(List.of("met", "not_met", "too_wide").contains((String)goal.get("verdict")), "" + goal);
            }
        }
        assertEquals(List.of("wait/1t", "wait/2t", "busy-spin/1t", "busy-spin/2t"), names);
        assertEquals(4, list(root, "variants").size(), "pooled over the rounds");
        assertTrue(output[0].contains("busy-spin never slower than wait (issue 11), 2t: calls/s ratio busy-spin / " +
            "wait at least 0.95"), output[0]);
        assertTrue(((String)map(root, "settings").get("run")).startsWith("2 rounds per thread count"),
            "" + root.get("settings"));

        for (final String[] args : new String[][]{
            {"--rounds 0: must be at least 1", "calls", "--rounds", "0", "--quiet"},
            {"--rounds: each slice lasts --round; give --round, not --duration or --iterations", "calls",
                "--rounds", "2", "--duration", "1s", "--quiet"}})
        {
            final String[] command = Arrays.copyOfRange(args, 1, args.length);
            final String err = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE, BenchMain.execute(command),
                String.join(" ", command)))[1];
            assertTrue(err.contains(args[0]), err);
        }
        assertNothingLeftInShm();
    }

    @Test
    void badCommandLinesFailWithUsageCode() throws IOException
    {
        for (final String[] args : new String[][]{
            {"--size", "pingpong", "--size", "4", "--quiet"},
            {"'--duration': '5' is not a duration", "pingpong", "--duration", "5", "--quiet"},
            {"'--round': '0s': the duration must be positive", "pingpong", "--round", "0s", "--quiet"},
            {"--warmup: expected a positive count such as 200000 or a duration: '2h' has an unknown unit",
                "pingpong", "--warmup", "2h", "--quiet"},
            {"'--capacity': 'lots' is not a size", "calls", "--capacity", "lots", "--quiet"},
            {"give --duration or --iterations, not both (got --duration 1s and --iterations 10)",
                "pingpong", "--duration", "1s", "--iterations", "10", "--quiet"},
            {"spin-fast", "pingpong", "--idle", "spin-fast", "--quiet"},
            {"'nonsense'", "nonsense"}})
        {
            final String[] command = Arrays.copyOfRange(args, 1, args.length);
            final String err = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE, BenchMain.execute(command),
                String.join(" ", command)))[1];
            assertTrue(err.contains(args[0]), err);
        }
        assertNothingLeftInShm();
    }

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings()
    {
        final String help = HelpTexts.assertNoWarnings(new BenchMain());
        assertTrue(help.contains("100% of a core") && help.contains("--wake-gap") && help.contains("--sizes"), help);
        final String[] usage = outputOf(() ->
        {
            for (final String command :
                new String[]{"pingpong", "throughput", "one-thread", "matrix", "calls", "bridge"})
            {
                assertEquals(0, BenchMain.execute(command, "--help"), command + " --help");
            }
        });
        assertEquals("", usage[1], "nothing on standard error");
    }

    @Test
    void anUnknownOrMissingCommandIsAUsageErrorNamingEveryCommand()
    {
        final String[] unknown = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE,
            BenchMain.execute("frobnicate", "--help")));
        assertTrue(unknown[1].startsWith("Unmatched argument at index 0: 'frobnicate'"), unknown[1]);
        assertEquals("", unknown[0], "no help printed as if it had been asked for");
        final String[] missing = outputOf(() -> assertEquals(BenchMain.EXIT_USAGE, BenchMain.execute()));
        assertTrue(missing[1].startsWith("missing command: pingpong, throughput, one-thread, matrix, calls or bridge"),
            missing[1]);
    }

    /** @return what {@code task} printed on standard output and standard error. */
    static String[] outputOf(final Runnable task)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final PrintStream savedErr = System.err;
        final PrintStream savedOut = System.out;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try
        {
            task.run();
        }
        finally
        {
            System.setErr(savedErr);
            System.setOut(savedOut);
        }
        return new String[]{out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aChildThatCannotStartFailsTheRunAndLeavesNothingBehind() throws IOException
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream saved = System.err;
        final int code;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try
        {
            code = BenchMain.execute("pingpong", "--iterations", "1000", "--warmup", "100",
                "--jvm-opt=-XX:+NoSuchOptionForTest", "--out", dir.toString(), "--shm-prefix", PREFIX, "--quiet");
        }
        finally
        {
            System.setErr(saved);
        }
        assertEquals(BenchMain.EXIT_FAILED, code, "exit code");
        final String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("pingpong") && message.contains("NoSuchOptionForTest"),
            "names the run and shows the child's output: " + message);
        assertNothingLeftInShm();
    }

    static void assertLatencyEntry(final Map<String, Object> entry)
    {
        double previous = 0;
        for (final String field : FIELDS)
        {
            final Object value = entry.get(field);
            assertTrue(value instanceof Integer || value instanceof Long,
                entry.get("name") + " has a whole number of nanoseconds " + field + ": " + value);
            final double nanos = ((Number)value).doubleValue();
            assertTrue(nanos > 0, entry.get("name") + " " + field + " positive: " + nanos);
            assertTrue(nanos >= previous, entry.get("name") + " " + field + " (" + nanos + ") >= the one before (" +
                previous + ")");
            previous = nanos;
        }
    }

    /**
     * Each percentile's entry has a median within its quartiles, all positive, over at least one round.
     */
    static void assertSpreads(final Map<String, Object> spreads, final String what)
    {
        for (final String label : Rounds.LABELS)
        {
            final Map<String, Object> s = map(spreads, label);
            final double median = number(s, "median");
            final double q1 = number(s, "q1");
            final double q3 = number(s, "q3");
            assertTrue(q1 > 0 && q1 <= median && median <= q3, what + " " + label + ": " + s);
            assertTrue(number(s, "rounds") >= 1, what + " " + label + " rounds: " + s);
        }
    }

    static void assertHgrm(final Path file) throws IOException
    {
        assertTrue(Files.isRegularFile(file), file + " exists");
        final String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.contains("Percentile") && text.contains("#[Mean"), file + " is an HdrHistogram distribution");
    }

    static void assertPng(final Path file) throws IOException
    {
        assertTrue(Files.isRegularFile(file), file + " exists");
        final BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " is a readable image");
        assertTrue(image.getWidth() >= 800 && image.getHeight() >= 500, "plot size " + image.getWidth() + "x" +
            image.getHeight());
    }

    static void assertNothingLeftInShm() throws IOException
    {
        final String mine = PREFIX + "-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> files = Files.list(Path.of("/dev/shm")))
        {
            final List<String> left = files.map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith(mine) || n.startsWith("sem." + mine))
                .collect(Collectors.toList());
            assertEquals(new ArrayList<String>(), left, "files and semaphores left in /dev/shm");
        }
    }

    static Map<String, Object> readJson(final Path file) throws IOException
    {
        return JSON.std.mapFrom(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * @return the field as a number, whole or not; the test fails if it is not one (null included).
     */
    static double number(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof Number, key + " is a number: " + value + " in " + parent);
        return ((Number)value).doubleValue();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is an object: " + value);
        return (Map<String, Object>)value;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof List, key + " is an array: " + value);
        return (List<Map<String, Object>>)value;
    }
}
