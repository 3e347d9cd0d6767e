package io.shmipc.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of one {@code bench bridge} run: each a {@code bridge-peer} with its standard input and output
 * piped to the parent (a line protocol: see {@link BridgePeerCommand}) and its standard error in a log file. Every
 * child is killed, and its embedded driver's directory removed, by the run's {@link Cleanup}. Every wait is bounded;
 * a failure carries the last lines of every child's log. Used by the parent's one thread.
 */
final class BridgeChildren
{
    private static final String EXITED = "\u0000exited";
    private static final int LOG_LINES = 20;

    private final BenchContext context;
    private final Path dir;
    private final Cleanup cleanup;
    private final List<Child> children = new ArrayList<>();

    BridgeChildren(final BenchContext context, final Path dir, final Cleanup cleanup)
    {
        this.context = context;
        this.dir = dir;
        this.cleanup = cleanup;
    }

    /** One child JVM. */
    final class Child
    {
        private final String role;
        private final Process process;
        private final Path log;
        private final PrintStream stdin;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private Child(final String role, final Process process, final Path log)
        {
            this.role = role;
            this.process = process;
            this.log = log;
            this.stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            final Thread reader = new Thread(this::readLines, "bench-bridge-" + role + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLines()
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = reader.readLine()))
                {
                    lines.add(line);
                }
            }
            catch (final IOException ex)
            {
                lines.add("read error: " + ex);
            }
            lines.add(EXITED);
        }

        /**
         * Send one line to the child's standard input.
         */
        void send(final String line)
        {
            stdin.println(line);
        }

        /**
         * Wait for the line.
         *
         * @throws IllegalStateException if another line comes, the child exits, or the timeout passes.
         */
        void expect(final String line, final long timeoutNanos, final BridgeChildren all)
        {
            final String got = expectPrefix(line, timeoutNanos, all);
            if (!line.equals(got))
            {
                throw all.failure(role + " said \"" + got + "\", expected \"" + line + "\"");
            }
        }

        /**
         * @return the next line, which starts with the prefix.
         * @throws IllegalStateException if another line comes, the child exits, or the timeout passes.
         */
        String expectPrefix(final String prefix, final long timeoutNanos, final BridgeChildren all)
        {
            final String got;
            try
            {
                got = lines.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + role, ex);
            }
            if (null == got)
            {
                throw all.failure(role + " did not say \"" + prefix.trim() + "\" within " +
                    Durations.format(timeoutNanos));
            }
            if (EXITED.equals(got))
            {
                throw all.failure(role + " exited before saying \"" + prefix.trim() + "\"");
            }
            if (!got.startsWith(prefix))
            {
                throw all.failure(role + " said \"" + got + "\", expected \"" + prefix.trim() + "...\"");
            }
            return got;
        }

        /**
         * @throws IllegalStateException if it does not exit with 0 within the timeout.
         */
        void awaitExit(final long timeoutNanos, final BridgeChildren all)
        {
            try
            {
                if (!process.waitFor(timeoutNanos, TimeUnit.NANOSECONDS))
                {
                    throw all.failure(role + " did not exit within " + Durations.format(timeoutNanos));
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + role + " to exit", ex);
            }
            if (0 != process.exitValue())
            {
                throw all.failure(role + " exited with " + process.exitValue());
            }
        }

        private String tail()
        {
            try
            {
                final List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n  ", all.subList(Math.max(0, all.size() - LOG_LINES), all.size()));
            }
            catch (final IOException ex)
            {
                return "(no log: " + ex + ")";
            }
        }
    }

    /**
     * Start {@code bench bridge-peer --role ROLE --aeron-dir AERON_DIR ARGS... MORE...}.
     *
     * @throws UncheckedIOException if the JVM cannot be started.
     */
    Child start(final String role, final Path aeronDir, final String[] args, final String... more)
    {
        final List<String> command = new ArrayList<>(List.of("bridge-peer", "--role", role, "--aeron-dir",
            aeronDir.toString()));
        command.addAll(List.of(args));
        command.addAll(List.of(more));
        final Path log = dir.resolve(role + ".log");
        cleanup.add(() -> PairRun.deleteTree(aeronDir));
        try
        {
            final Process process = context.child()
                .jvmOptions("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED")
                .args(command)
                .processBuilder()
                .redirectError(log.toFile())
                .start();
            cleanup.add(() -> PairRun.kill(process));
            final Child child = new Child(role, process, log);
            children.add(child);
            return child;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start the " + role + " JVM: " + ex, ex);
        }
    }

    private IllegalStateException failure(final String what)
    {
        final StringBuilder sb = new StringBuilder(what);
        for (final Child child : children)
        {
            sb.append("\n").append(child.role).append(" (").append(child.process.isAlive() ? "running" :
                "exit " + child.process.exitValue()).append("):\n  ").append(child.tail());
        }
        return new IllegalStateException(sb.toString());
    }
}
