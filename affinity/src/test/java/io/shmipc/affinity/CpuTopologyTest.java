package io.shmipc.affinity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuTopologyTest
{
    @TempDir
    Path tempDir;

    /**
     * @param machine a fixture under src/test/resources/sys.
     * @return its cpu directory, the stand-in for /sys/devices/system/cpu.
     */
    static Path cpuRoot(final String machine)
    {
        try
        {
            return Path.of(CpuTopologyTest.class.getResource("/sys/" + machine + "/cpu/online").toURI()).getParent();
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static CpuTopology fixture(final String machine, final String allowed)
    {
        return CpuTopology.read(cpuRoot(machine), CpuSet.parse(allowed));
    }

    @Test
    void twoCpuVmHasTwoCoresWithoutSmtAndNothingIsolated()
    {
        final CpuTopology topology = fixture("vm-2cpu", "0-1");

        assertEquals(CpuSet.parse("0-1"), topology.online());
        assertEquals(CpuSet.EMPTY, topology.isolated());
        assertEquals(CpuSet.parse("0-1"), topology.allowed());
        assertEquals(List.of(CpuSet.of(0), CpuSet.of(1)), topology.cores());
        assertEquals(CpuSet.of(1), topology.siblingsOf(1));
        assertEquals(1, topology.coreIdOf(1));
        assertEquals(0, topology.packageOf(1));
        assertEquals(0, topology.nodeOf(0));
        assertEquals(0, topology.nodeOf(1));
    }

    @Test
    void twoSocketServerGroupsSmtSiblingsIntoCoresAndCoresIntoSocketsAndNodes()
    {
        final CpuTopology topology = fixture("server-2socket-smt", "0-15");

        assertEquals(CpuSet.parse("0-15"), topology.online());
        assertEquals(8, topology.cores().size());
        assertEquals(CpuSet.of(0, 8), topology.cores().get(0));
        assertEquals(CpuSet.of(7, 15), topology.cores().get(7));
        assertEquals(CpuSet.of(4, 12), topology.siblingsOf(12));
        assertEquals(CpuSet.of(3, 11), topology.siblingsOf(3));

        // core_id repeats across sockets: cpu 0 and cpu 4 are different cores with the same core_id.
        assertEquals(topology.coreIdOf(0), topology.coreIdOf(4));
        assertEquals(10, topology.coreIdOf(11));
        assertEquals(0, topology.packageOf(11));
        assertEquals(1, topology.packageOf(4));
        assertEquals(1, topology.packageOf(12));
        assertEquals(0, topology.nodeOf(8));
        assertEquals(1, topology.nodeOf(13));
        assertEquals(CpuSet.EMPTY, topology.isolated());
    }

    @Test
    void machineWithIsolatedCpus()
    {
        final CpuTopology topology = fixture("isolated-8cpu", "0-7");

        assertEquals(CpuSet.parse("2-3,6-7"), topology.isolated());
        assertEquals(CpuSet.of(2, 6), topology.siblingsOf(6));
        assertEquals(4, topology.cores().size());
        final String description = topology.describe();
        assertTrue(description.contains("isolated 2-3,6-7"), description);
        assertTrue(description.contains("core 2: CPUs 2,6, isolated 2,6"), description);
    }

    @Test
    void allowedCpusAreThoseGivenThatAreOnline()
    {
        final CpuTopology topology = fixture("isolated-8cpu", "1-3,40");

        assertEquals(CpuSet.parse("1-3"), topology.allowed());
        assertTrue(topology.describe().contains("core 0: CPUs 0,4, not allowed 0,4"), topology.describe());
    }

    @Test
    void askingAboutAnOfflineCpuNamesTheOnlineOnes()
    {
        final CpuTopology topology = fixture("vm-2cpu", "0-1");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> topology.siblingsOf(2));
        assertEquals("cpu 2 is not online in " + cpuRoot("vm-2cpu") + " (online CPUs: 0-1)", ex.getMessage());
    }

    @Test
    void withoutANodeDirectoryEveryCpuIsOnNodeZero() throws IOException
    {
        final Path cpu = copyCpuTree("server-2socket-smt");

        final CpuTopology topology = CpuTopology.read(cpu, CpuSet.parse("0-15"));
        assertEquals(0, topology.nodeOf(4));
        assertEquals(0, topology.nodeOf(15));
    }

    @Test
    void cpuListedUnderNoNodeHasNodeMinusOne() throws IOException
    {
        final Path cpu = copyCpuTree("vm-2cpu");
        Files.createDirectories(tempDir.resolve("node/node0"));
        Files.writeString(tempDir.resolve("node/node0/cpulist"), "0\n");

        final CpuTopology topology = CpuTopology.read(cpu, CpuSet.parse("0-1"));
        assertEquals(0, topology.nodeOf(0));
        assertEquals(-1, topology.nodeOf(1));
    }

    @Test
    void missingIsolatedFileMeansNoneIsolated() throws IOException
    {
        final Path cpu = copyCpuTree("vm-2cpu");
        Files.delete(cpu.resolve("isolated"));

        assertEquals(CpuSet.EMPTY, CpuTopology.read(cpu, CpuSet.parse("0-1")).isolated());
    }

    @Test
    void missingRequiredFileNamesIt() throws IOException
    {
        final Path cpu = copyCpuTree("vm-2cpu");
        final Path coreId = cpu.resolve("cpu1/topology/core_id");
        Files.delete(coreId);

        final UncheckedIOException ex =
            assertThrows(UncheckedIOException.class, () -> CpuTopology.read(cpu, CpuSet.parse("0-1")));
        assertEquals("cannot read " + coreId, ex.getMessage());
    }

    @Test
    void unparsableFilesAreNamedWithTheirContent() throws IOException
    {
        final Path cpu = copyCpuTree("vm-2cpu");
        final Path coreId = cpu.resolve("cpu0/topology/core_id");
        Files.writeString(coreId, "zero\n");
        final IllegalStateException badInt =
            assertThrows(IllegalStateException.class, () -> CpuTopology.read(cpu, CpuSet.parse("0-1")));
        assertEquals("cannot parse " + coreId + ": 'zero' is not an integer", badInt.getMessage());

        Files.writeString(coreId, "0\n");
        final Path siblings = cpu.resolve("cpu1/topology/thread_siblings_list");
        Files.writeString(siblings, "0\n");
        final IllegalStateException notSelf =
            assertThrows(IllegalStateException.class, () -> CpuTopology.read(cpu, CpuSet.parse("0-1")));
        assertEquals(siblings + " lists 0, without cpu 1", notSelf.getMessage());

        Files.writeString(cpu.resolve("online"), "0-x\n");
        final IllegalStateException badList =
            assertThrows(IllegalStateException.class, () -> CpuTopology.read(cpu, CpuSet.parse("0-1")));
        assertTrue(badList.getMessage().startsWith("cannot parse " + cpu.resolve("online") + ": "),
            badList.getMessage());
    }

    @Test
    void currentMachineIsConsistentWithTheProcessMask()
    {
        final CpuTopology topology = CpuTopology.current();

        assertEquals(CpuTopology.DEFAULT_ROOT, topology.root());
        assertEquals(Affinity.processCpus(), topology.allowed());
        assertTrue(topology.online().containsAll(topology.allowed()));
        topology.online().stream().forEach(cpu -> assertTrue(topology.siblingsOf(cpu).contains(cpu)));
        final int coreCpus = topology.cores().stream().mapToInt(CpuSet::size).sum();
        assertEquals(topology.online().size(), coreCpus, "every online CPU is on exactly one core");
    }

    private Path copyCpuTree(final String machine) throws IOException
    {
        final Path source = cpuRoot(machine);
        final Path target = tempDir.resolve("cpu");
        try (var paths = Files.walk(source))
        {
            for (final Path path : (Iterable<Path>)paths::iterator)
            {
                final Path copy = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path))
                {
                    Files.createDirectories(copy);
                }
                else
                {
                    Files.copy(path, copy);
                }
            }
        }

        return target;
    }
}
