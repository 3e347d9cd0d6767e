package io.shmipc.schemas;

import com.google.flatbuffers.FlatBufferBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks that need the real flatc 2.0.8 (CI installs it): the committed classes are what it generates,
 * regenerate.sh reports drift and a wrong compiler, and our Java encoding is byte-identical to what the
 * C++ FlatBufferBuilder inside flatc produces from the same message, which the C++ host and Go guest read.
 */
class FlatcTest
{
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long TIMEOUT_SECONDS = 60;

    private final Path module = moduleDirectory();
    private Path scratch;

    @BeforeEach
    void createScratchDirectory() throws IOException
    {
        scratch = Files.createTempDirectory(
            "shmipc-schemas-test-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-");
    }

    @AfterEach
    void deleteScratchDirectory() throws IOException
    {
        if (null != scratch)
        {
            try (Stream<Path> paths = Files.walk(scratch))
            {
                paths.sorted(Comparator.reverseOrder()).forEach(FlatcTest::delete);
            }
        }
    }

    @Test
    void committedClassesAreExactlyWhatFlatcGenerates()
    {
        requireFlatc();
        final Result result = run(Map.of(), "bash", module.resolve("regenerate.sh").toString(), "--check");

        assertEquals(0, result.exitCode, result.toString());
        assertTrue(result.stdout.contains("matches flatc 2.0.8 output"), result.toString());
    }

    @Test
    void checkFailsWithTheDiffWhenACommittedClassDiffersAndRegeneratingRepairsIt() throws IOException
    {
        requireFlatc();
        final Path copy = copyOfModuleSources();
        final Path payload = copy.resolve("src/main/java/ipc/Payload.java");
        Files.writeString(payload, "// hand edit in a test\n", StandardOpenOption.APPEND);
        Files.delete(copy.resolve("src/main/java/ipc/AddResponse.java"));
        final String script = copy.resolve("regenerate.sh").toString();

        final Result drifted = run(Map.of(), "bash", script, "--check");
        assertEquals(1, drifted.exitCode, drifted.toString());
        assertTrue(drifted.stdout.contains("-// hand edit in a test"), drifted.toString());
        assertTrue(drifted.stdout.contains("AddResponse.java"), drifted.toString());
        assertTrue(drifted.stderr.contains("run schemas/regenerate.sh and commit"), drifted.toString());

        final Result regenerated = run(Map.of(), "bash", script);
        assertEquals(0, regenerated.exitCode, regenerated.toString());
        final Result clean = run(Map.of(), "bash", script, "--check");
        assertEquals(0, clean.exitCode, clean.toString());
        assertEquals(
            Files.readString(module.resolve("src/main/java/ipc/Payload.java")), Files.readString(payload));
    }

    @Test
    void aFlatcOfAnotherVersionIsRefusedWithBothVersionsInTheMessage() throws IOException
    {
        final Path fakeFlatc = scratch.resolve("flatc");
        Files.writeString(fakeFlatc, "#!/bin/sh\necho 'flatc version 23.5.26'\n");
        assertTrue(fakeFlatc.toFile().setExecutable(true));

        final Result result = run(Map.of("FLATC", fakeFlatc.toString()),
            "bash", module.resolve("regenerate.sh").toString(), "--check");

        assertEquals(2, result.exitCode, result.toString());
        assertTrue(result.stderr.contains("flatc version 23.5.26"), result.toString());
        assertTrue(result.stderr.contains("flatc 2.0.8 is required"), result.toString());
    }

    @Test
    void aMissingFlatcIsReportedWithHowToInstallIt()
    {
        final Result result = run(Map.of("FLATC", scratch.resolve("no-such-flatc").toString()),
            "bash", module.resolve("regenerate.sh").toString(), "--check");

        assertEquals(2, result.exitCode, result.toString());
        assertTrue(result.stderr.contains("flatc not found"), result.toString());
        assertTrue(result.stderr.contains("flatbuffers-compiler"), result.toString());
    }

    @Test
    void anUnknownArgumentIsRejected()
    {
        final Result result = run(Map.of(), "bash", module.resolve("regenerate.sh").toString(), "--chek");

        assertEquals(2, result.exitCode, result.toString());
        assertTrue(result.stderr.contains("unknown argument '--chek'"), result.toString());
    }

    @Test
    void javaEncodingIsByteIdenticalToTheCppBuilderAndDescribeAgreesWithFlatcJson() throws IOException
    {
        requireFlatc();
        final FlatBufferBuilder builder = new FlatBufferBuilder(64);
        final List<String> jsons = List.of(
            "{\"req_id\":1,\"payload_type\":\"AddRequest\",\"payload\":{}}",
            "{\"req_id\":6,\"payload_type\":\"AddRequest\",\"payload\":{\"x\":1.0,\"y\":2.0}}",
            "{\"req_id\":8,\"payload_type\":\"AddResponse\",\"payload\":{\"result\":3.0}}",
            "{\"req_id\":9,\"payload_type\":\"MyRandRequest\",\"payload\":{}}",
            "{\"req_id\":10,\"payload_type\":\"MyRandResponse\",\"payload\":{\"result\":0.12345}}",
            "{\"req_id\":18446744073709551615,\"payload_type\":\"AddRequest\",\"payload\":{\"x\":-0.5}}");
        final List<ByteBuffer> javaEncoded = new ArrayList<>();
        javaEncoded.add(copy(IpcMessages.encodeAddRequest(builder, 1, 0.0, 0.0)));
        javaEncoded.add(copy(IpcMessages.encodeAddRequest(builder, 6, 1.0, 2.0)));
        javaEncoded.add(copy(IpcMessages.encodeAddResponse(builder, 8, 3.0)));
        javaEncoded.add(copy(IpcMessages.encodeMyRandRequest(builder, 9)));
        javaEncoded.add(copy(IpcMessages.encodeMyRandResponse(builder, 10, 0.12345)));
        javaEncoded.add(copy(IpcMessages.encodeAddRequest(builder, -1L, -0.5, 0.0)));
        final String schema = module.resolve("src/main/fbs/ipc.fbs").toString();

        for (int i = 0; i < jsons.size(); i++)
        {
            final Path json = scratch.resolve("message" + i + ".json");
            Files.writeString(json, jsons.get(i));
            final Result binary = run(Map.of(), "flatc", "-b", "-o", scratch.toString(), schema, json.toString());
            assertEquals(0, binary.exitCode, binary.toString());
            final byte[] cppEncoded = Files.readAllBytes(scratch.resolve("message" + i + ".bin"));
            final ByteBuffer java = javaEncoded.get(i);

            assertArrayEquals(cppEncoded, bytesOf(java), "bytes of " + jsons.get(i));
            assertEquals(jsons.get(i), IpcMessages.describe(java));

            final Path javaBinary = scratch.resolve("java" + i + ".bin");
            Files.write(javaBinary, bytesOf(java));
            final Result text = run(Map.of(), "flatc", "--json", "--strict-json", "--raw-binary",
                "-o", scratch.toString(), schema, "--", javaBinary.toString());
            assertEquals(0, text.exitCode, text.toString());
            final String flatcJson = Files.readString(scratch.resolve("java" + i + ".json"));
            assertEquals(jsons.get(i), flatcJson.replaceAll("\\s", ""), "flatc --json of our bytes");
        }
    }

    private Path copyOfModuleSources() throws IOException
    {
        final Path copy = scratch.resolve("schemas");
        for (final String relative : List.of("regenerate.sh", "src/main/fbs", "src/main/java/ipc"))
        {
            final Path source = module.resolve(relative);
            try (Stream<Path> paths = Files.walk(source))
            {
                for (final Path path : (Iterable<Path>)paths::iterator)
                {
                    final Path target = copy.resolve(relative).resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path))
                    {
                        Files.createDirectories(target);
                    }
                    else
                    {
                        Files.createDirectories(target.getParent());
                        Files.copy(path, target);
                    }
                }
            }
        }
        return copy;
    }

    private void requireFlatc()
    {
        final Result version;
        try
        {
            version = run(Map.of(), "flatc", "--version");
        }
        catch (final UncheckedIOException ex)
        {
            fail("flatc is not installed; this test needs flatc 2.0.8 (apt-get install -y flatbuffers-compiler)", ex);
            return;
        }
        assertEquals("flatc version 2.0.8", version.stdout.strip(),
            "flatc on PATH must be version 2.0.8 to match flatbuffers-java 2.0.8: " + version);
    }

    private Result run(final Map<String, String> environment, final String... command)
    {
        final int id = COUNTER.incrementAndGet();
        final Path stdout = scratch.resolve("stdout-" + id);
        final Path stderr = scratch.resolve("stderr-" + id);
        final ProcessBuilder builder = new ProcessBuilder(command)
            .directory(scratch.toFile())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
        builder.environment().putAll(environment);
        Process process = null;
        try
        {
            process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                fail(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(),
                Files.readString(stdout, StandardCharsets.UTF_8), Files.readString(stderr, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), ex);
        }
        finally
        {
            if (null != process)
            {
                process.destroyForcibly();
            }
        }
    }

    private static Path moduleDirectory()
    {
        final Path basedir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.isRegularFile(basedir.resolve("regenerate.sh")))
        {
            throw new IllegalStateException("run from the schemas module directory: no regenerate.sh in " + basedir);
        }
        return basedir;
    }

    private static void delete(final Path path)
    {
        try
        {
            Files.delete(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + path, ex);
        }
    }

    private static byte[] bytesOf(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static ByteBuffer copy(final ByteBuffer buffer)
    {
        return ByteBuffer.wrap(bytesOf(buffer));
    }

    private record Result(int exitCode, String stdout, String stderr)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }
}
