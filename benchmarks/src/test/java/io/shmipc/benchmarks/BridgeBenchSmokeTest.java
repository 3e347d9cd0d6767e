package io.shmipc.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.shmipc.benchmarks.BenchSmokeTest.assertLatencyEntry;
import static io.shmipc.benchmarks.BenchSmokeTest.assertPng;
import static io.shmipc.benchmarks.BenchSmokeTest.assertSpreads;
import static io.shmipc.benchmarks.BenchSmokeTest.list;
import static io.shmipc.benchmarks.BenchSmokeTest.map;
import static io.shmipc.benchmarks.BenchSmokeTest.number;
import static io.shmipc.benchmarks.BenchSmokeTest.readJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code bench bridge} end to end with a very short run (four real child JVMs, two bridges, Aeron over UDP on
 * 127.0.0.1) and checks what a user reads: every variant has results, the JSON parses and has every part, the plot
 * is written, and nothing is left in /dev/shm or in the Aeron directories under target/. No speed is asserted.
 */
class BridgeBenchSmokeTest
{
    private static final String PREFIX = "shmipc-bench-bridge-test";
    private static final List<String> VERDICTS = List.of("met", "not_met", "too_wide");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void everyVariantProducesResultsAndNothingIsLeftBehind() throws IOException
    {
        final Path json = dir.resolve("bridge.json");
        final Path out = dir.resolve("results");
        final Path aeronRoot = Files.createDirectories(
            Path.of("target", "bench-bridge-aeron-" + ProcessHandle.current().pid()));
        final int code = BenchMain.execute("bridge", "--rounds", "2", "--round", "300ms", "--warmup", "200ms",
            "--idle-check", "100ms", "--aeron-root", aeronRoot.toString(), "--out", out.toString(),
            "--json", json.toString(), "--shm-prefix", PREFIX, "--quiet");
        assertEquals(0, code, "exit code");

        final Map<String, Object> root = readJson(json);
        assertEquals("bridge", root.get("command"));
        assertEquals(2.0, number(root, "rounds"));
        final List<Map<String, Object>> latency = list(root, "latency");
        assertEquals(List.of("aeron-udp", "shm", "bridge"),
            latency.stream().map(v -> v.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> variant : latency)
        {
            assertLatencyEntry(variant);
            assertTrue(number(variant, "count") > 0, "round trips measured by " + variant.get("name"));
            assertSpreads(map(variant, "perRound"), variant.get("name") + " per round");
        }
        final Map<String, Object> settings = map(root, "settings");
        if (Runtime.getRuntime().availableProcessors() < BridgeCommand.SPINNING_THREADS)
        {
            assertTrue(String.valueOf(settings.get("idle")).startsWith("wait:"), "the agents' default: " + settings);
            assertTrue(String.valueOf(settings.get("aeronIdle")).startsWith("backoff:"), "Aeron's loops: " + settings);
        }
        final Map<String, Object> ratios = map(root, "ratios");
        assertEquals(List.of("bridgeToAeronUdp", "shmToAeronUdp"), new ArrayList<>(ratios.keySet()));
        for (final String ratio : ratios.keySet())
        {
            assertSpreads(map(ratios, ratio), ratio);
        }
        final List<Map<String, Object>> throughput = list(root, "throughput");
        assertEquals(List.of("aeron-udp", "shm", "bridge"),
            throughput.stream().map(v -> v.get("name")).collect(Collectors.toList()));
        for (final Map<String, Object> variant : throughput)
        {
            assertTrue(number(map(variant, "messagesPerSecond"), "median") > 0, "round trips/s of " + variant);
            assertTrue(number(variant, "cpuNanosPerRoundTrip") > 0, "CPU per round trip of " + variant);
            assertTrue(number(variant, "cpusBusy") > 0, "CPUs busy during " + variant);
        }
        final Map<String, Object> throughputRatios = map(root, "throughputRatios");
        assertEquals(List.of("bridgeToAeronUdp", "shmToAeronUdp", "bridgeToShm"),
            new ArrayList<>(throughputRatios.keySet()));
        for (final String ratio : throughputRatios.keySet())
        {
            assertTrue(number(map(throughputRatios, ratio), "median") > 0, ratio + ": " + throughputRatios);
        }
        final List<Map<String, Object>> allocation = list(root, "allocation");
        assertEquals(List.of("host-side", "guest-side"),
            allocation.stream().map(v -> v.get("side")).collect(Collectors.toList()));
        for (final Map<String, Object> side : allocation)
        {
            // every call of the measured rounds crosses both bridges: a request one way, its response the other
            assertTrue(number(side, "messages") > 0, "blocks carried by " + side.get("side"));
            assertTrue(number(side, "bytes") >= 0, "bytes allocated by " + side.get("side"));
            assertTrue(!map(side, "byThread").isEmpty(), "per-thread allocation of " + side.get("side"));
        }
        final Map<String, Object> goal = map(root, "goal");
        for (final String key : new String[] {"bridgeP50AtMost1_3xAeronPlusShm", "bridgeThroughputAtLeast0_8xAeron"})
        {
            assertTrue(VERDICTS.contains(map(goal, key).get("verdict")), key + ": " + goal);
        }
        assertTrue(List.of("met", "not_met").contains(goal.get("zeroBytesPerMessage")), "allocation verdict");
        assertPng(out.resolve("bridge-32B.png"));

        final String mine = PREFIX + "-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> files = Files.list(Path.of("/dev/shm")))
        {
            final List<String> left = files.map(p -> p.getFileName().toString())
                .filter(n -> n.contains(mine))
                .collect(Collectors.toList());
            assertEquals(new ArrayList<String>(), left, "files and semaphores left in /dev/shm");
        }
        try (Stream<Path> files = Files.list(aeronRoot))
        {
            assertEquals(List.of(), files.collect(Collectors.toList()), "Aeron directories left in " + aeronRoot);
        }
        Files.delete(aeronRoot);
    }
}
