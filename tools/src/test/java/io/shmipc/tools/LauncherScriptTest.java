package io.shmipc.tools;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./shmipc} script passes {@code JAVA_OPTS} and then {@code SHMIPC_OPTS} to the JVM, before the main
 * class. The script is run from a copy of the repository's layout whose tools jar is a manifest-only jar over this
 * JVM's class path, so it starts the CLI without building anything.
 */
class LauncherScriptTest
{
    @TempDir
    static Path root;

    private final Channels channels = new Channels();

    @BeforeAll
    static void layOutTheRepository() throws IOException
    {
        Files.copy(Child.moduleDir().resolveSibling("shmipc"), root.resolve("shmipc"));
        final Path jar = Files.createDirectories(root.resolve("tools/target")).resolve("shmipc-tools.jar");
        final List<String> classPath = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            classPath.add(Path.of(entry).toUri().toString());
        }
        final Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        try (OutputStream out = Files.newOutputStream(jar);
            JarOutputStream ignored = new JarOutputStream(out, manifest))
        {
            // the manifest is the whole jar
        }
    }

    @AfterEach
    void removeChannels() throws IOException
    {
        channels.removeAll();
    }

    private Child shmipc(final Map<String, String> environment, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of("bash", root.resolve("shmipc").toString()));
        command.addAll(List.of(args));
        return Child.execWith(environment, command.toArray(new String[0]));
    }

    @Test
    @Timeout(60)
    void javaOptsThenShmipcOptsReachTheCommand() throws Exception
    {
        final String name = channels.newName("launcher");
        try (Child host = shmipc(Map.of("JAVA_OPTS", "-Dshmipc.writer.idle=yield -Dshmipc.reader.idle=no-op",
            "SHMIPC_OPTS", " -Dshmipc.reader.idle=backoff   -Xmx64m "),
            "host", name, "--capacity", "64KiB", "--wait-guest", "300ms"))
        {
            assertEquals(ExitCodes.FAILURE, host.waitFor(30), host.output());
            assertTrue(host.output().contains("reader idle backoff:spins=10,yields=5,minPark=1us,maxPark=1ms, " +
                "writer idle yield"), "SHMIPC_OPTS after JAVA_OPTS: " + host.output());
            assertTrue(host.output().contains("no guest answered on channel " + name + " within 300ms"),
                host.output());
        }
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(60)
    void aBadPropertyInShmipcOptsIsAUsageErrorNamingIt() throws Exception
    {
        final String name = channels.newName("launcherbad");
        try (Child guest = shmipc(Map.of("SHMIPC_OPTS", "-Dshmipc.reader.idle=sleepy"),
            "guest", name, "--timeout", "300ms"))
        {
            assertEquals(ExitCodes.USAGE, guest.waitFor(30), guest.output());
            assertTrue(guest.output().startsWith("shmipc guest: property shmipc.reader.idle=sleepy: unknown idle " +
                "strategy \"sleepy\""), guest.output());
        }
        try (Child plain = shmipc(Map.of(), "--version"))
        {
            assertEquals(ExitCodes.OK, plain.waitFor(30), "no options set: " + plain.output());
        }
    }
}
