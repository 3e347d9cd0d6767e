package io.shmipc.affinity;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;

import static io.shmipc.affinity.CpuTopologyTest.cpuRoot;
import static io.shmipc.affinity.CpuTopologyTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resolution of placement specs against the /sys fixtures, each test with its own registry.
 */
class AffinityPlanTest
{
    private final PlacementRegistry registry = new PlacementRegistry();

    /** The package's logger, held so that it is the one the resolver logs to while the test runs. */
    private final Logger logger = Logger.getLogger(AffinityPlan.class.getPackageName());
    private final List<String> warnings = new ArrayList<>();
    private final Handler capture = new Handler()
    {
        public void publish(final LogRecord record)
        {
            if (record.getLevel().intValue() >= Level.WARNING.intValue())
            {
                warnings.add(new SimpleFormatter().formatMessage(record));
            }
        }

        public void flush()
        {
        }

        public void close()
        {
        }
    };
    private boolean parentHandlers;

    /** Warnings the tests provoke are checked here instead of printed into the build's output. */
    @BeforeEach
    void captureWarnings()
    {
        parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(capture);
    }

    @AfterEach
    void restoreLogging()
    {
        logger.removeHandler(capture);
        logger.setUseParentHandlers(parentHandlers);
    }

    private AffinityPlan plan(final CpuTopology topology, final String channel, final String... roleSpecPairs)
    {
        final AffinityPlan.Builder builder = AffinityPlan.builder(channel);
        for (int i = 0; i < roleSpecPairs.length; i += 2)
        {
            builder.role(roleSpecPairs[i], roleSpecPairs[i + 1]);
        }

        return builder.resolve(topology, registry);
    }

    private String failure(final CpuTopology topology, final String... roleSpecPairs)
    {
        return assertThrows(IllegalArgumentException.class, () -> plan(topology, "SimpleIPC", roleSpecPairs))
            .getMessage();
    }

    private static CpuSet cpus(final AffinityPlan plan, final String role)
    {
        return plan.placement(role).cpus();
    }

    @Test
    void explicitCpusAndNone()
    {
        final AffinityPlan plan = plan(fixture("vm-2cpu", "0-1"), "SimpleIPC",
            "writer", "cpu=1", "reader", "cpus=0-1", "logger", "none");

        assertEquals(CpuSet.of(1), cpus(plan, "writer"));
        assertEquals(CpuSet.of(0, 1), cpus(plan, "reader"));
        assertEquals(CpuSet.EMPTY, cpus(plan, "logger"));
        assertFalse(plan.placement("logger").isPinned());
        assertEquals("SimpleIPC: writer=cpu=1 -> cpu 1, reader=cpus=0-1 -> CPUs 0-1, logger=none (not pinned)",
            plan.toString());
        assertEquals(List.of("channel SimpleIPC role reader (affinity 'cpus=0-1') shares CPUs with other pinned " +
            "threads: cpu 1 by SimpleIPC/writer"), warnings, "one warning: the reader's CPUs include the writer's");
        assertEquals("shmipc-writer-SimpleIPC", plan.placement("writer").threadName());
        assertNull(plan.placement("writer").thread());
    }

    @Test
    void cpuThatDoesNotExistFailsListingTheAllowedCpus()
    {
        assertEquals("channel SimpleIPC, role writer, affinity 'cpu=2': cpu 2 does not exist or is offline " +
            "(online CPUs: 0-1); this process may use CPUs 0-1",
            failure(fixture("vm-2cpu", "0-1"), "writer", "cpu=2"));
        assertEquals("channel SimpleIPC, role reader, affinity 'cpus=0-3': CPUs 2-3 do not exist or are offline " +
            "(online CPUs: 0-1); this process may use CPUs 0-1",
            failure(fixture("vm-2cpu", "0-1"), "writer", "none", "reader", "cpus=0-3"));
    }

    @Test
    void cpuOutsideTheAllowedSetFailsListingTheAllowedCpus()
    {
        assertEquals("channel SimpleIPC, role writer, affinity 'cpu=0': cpu 0 is online but outside this " +
            "process's allowed CPUs (narrowed by its cgroup cpuset, container or taskset); " +
            "this process may use CPUs 1",
            failure(fixture("vm-2cpu", "1"), "writer", "cpu=0"));
        assertEquals("channel SimpleIPC, role writer, affinity 'cpus=2-5': CPUs 4-5 are online but outside this " +
            "process's allowed CPUs (narrowed by its cgroup cpuset, container or taskset); " +
            "this process may use CPUs 0-3,8-11",
            failure(fixture("server-2socket-smt", "0-3,8-11"), "writer", "cpus=2-5"));
    }

    @Test
    void isolatedTakesTheNextFreeIsolatedCpuPreferringAFreeCore()
    {
        final AffinityPlan plan = plan(fixture("isolated-8cpu", "0-7"), "SimpleIPC",
            "writer", "isolated", "reader", "isolated");

        assertEquals(CpuSet.of(2), cpus(plan, "writer"));
        // 6 is the SMT sibling of 2 and would share its core: 3 is on a free core.
        assertEquals(CpuSet.of(3), cpus(plan, "reader"));
    }

    @Test
    void isolatedCpusAreSharedOutBetweenPlansOfOneRegistryUntilTheyClose()
    {
        final CpuTopology topology = fixture("isolated-8cpu", "0-7");
        final AffinityPlan first = plan(topology, "A", "writer", "isolated", "reader", "isolated");
        final AffinityPlan second = plan(topology, "B", "writer", "isolated");
        final AffinityPlan third = plan(topology, "C", "writer", "isolated");
        assertEquals(CpuSet.of(6), cpus(second, "writer"));
        assertEquals(CpuSet.of(7), cpus(third, "writer"));

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> plan(topology, "D", "writer", "isolated"));
        assertEquals("channel D, role writer, affinity 'isolated': every isolated CPU this process may use is " +
            "taken: cpu 2 by A/writer, cpu 3 by A/reader, cpu 6 by B/writer, cpu 7 by C/writer; " +
            "this process may use CPUs 0-7", ex.getMessage());
        assertEquals(List.of("A/writer", "A/reader", "B/writer", "C/writer"), owners(registry.placements()));

        first.close();
        assertTrue(first.isClosed());
        assertEquals(List.of("B/writer", "C/writer"), owners(registry.placements()));
        assertEquals(CpuSet.of(2), cpus(plan(topology, "E", "writer", "isolated"), "writer"));
        first.close();
    }

    @Test
    void isolatedFailsWhenThereAreNoneOrNoneAllowed()
    {
        assertEquals("channel SimpleIPC, role writer, affinity 'isolated': this machine has no isolated CPUs (" +
            cpuRoot("vm-2cpu").resolve("isolated") + " is empty: boot with isolcpus=<list>); " +
            "this process may use CPUs 0-1",
            failure(fixture("vm-2cpu", "0-1"), "writer", "isolated"));
        assertEquals("channel SimpleIPC, role writer, affinity 'isolated': the isolated CPUs 2-3,6-7 are all " +
            "outside this process's allowed CPUs; this process may use CPUs 0-1,4-5",
            failure(fixture("isolated-8cpu", "0-1,4-5"), "writer", "isolated"));
    }

    @Test
    void siblingOfPlacesOnTheOtherHardwareThreadOfTheSameCore()
    {
        final AffinityPlan plan = plan(fixture("server-2socket-smt", "0-15"), "SimpleIPC",
            "reader", "cpu=5", "writer", "sibling-of=reader");

        assertEquals(CpuSet.of(13), cpus(plan, "writer"));
    }

    @Test
    void siblingOfFailsWithoutSmtOrWhenTheSiblingIsNotAllowedOrTaken()
    {
        assertEquals("channel SimpleIPC, role writer, affinity 'sibling-of=reader': cpu 1 of role reader has no " +
            "SMT sibling (its core has CPUs 1; SMT is off or absent); this process may use CPUs 0-1",
            failure(fixture("vm-2cpu", "0-1"), "reader", "cpu=1", "writer", "sibling-of=reader"));
        assertEquals("channel SimpleIPC, role writer, affinity 'sibling-of=reader': the SMT siblings 6 of cpu 2 " +
            "(role reader) are outside this process's allowed CPUs; this process may use CPUs 0-3",
            failure(fixture("isolated-8cpu", "0-3"), "reader", "cpu=2", "writer", "sibling-of=reader"));

        final CpuTopology topology = fixture("isolated-8cpu", "0-7");
        plan(topology, "Other", "writer", "cpu=6");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> plan(topology, "SimpleIPC", "reader", "cpu=2", "writer", "sibling-of=reader"));
        assertEquals("channel SimpleIPC, role writer, affinity 'sibling-of=reader': the SMT siblings of cpu 2 " +
            "(role reader) are taken: cpu 6 by Other/writer; this process may use CPUs 0-7", ex.getMessage());
    }

    @Test
    void coreOfPlacesOnAnotherCoreOfTheSameSocketAndNode()
    {
        final CpuTopology topology = fixture("server-2socket-smt", "0-15");
        final AffinityPlan plan = plan(topology, "SimpleIPC", "reader", "cpu=5", "writer", "core-of=reader");

        final int writer = cpus(plan, "writer").first();
        assertEquals(4, writer);
        assertFalse(topology.siblingsOf(5).contains(writer));
        assertEquals(topology.packageOf(5), topology.packageOf(writer));
    }

    @Test
    void coreOfOnTheTwoCpuVmTakesTheOtherCpu()
    {
        final AffinityPlan plan = plan(fixture("vm-2cpu", "0-1"), "SimpleIPC",
            "writer", "cpu=0", "reader", "core-of=writer");

        assertEquals(CpuSet.of(1), cpus(plan, "reader"));
    }

    @Test
    void coreOfPrefersIsolatedCpusBesideAnIsolatedPeer()
    {
        final AffinityPlan plan = plan(fixture("isolated-8cpu", "0-7"), "SimpleIPC",
            "writer", "isolated", "reader", "core-of=writer");

        assertEquals(CpuSet.of(2), cpus(plan, "writer"));
        assertEquals(CpuSet.of(3), cpus(plan, "reader"));
    }

    @Test
    void coreOfCrossesToTheOtherSocketOnlyWhenItsOwnHasNoFreeCore()
    {
        final AffinityPlan plan = plan(fixture("server-2socket-smt", "0-3,5,8-11,13"), "SimpleIPC",
            "reader", "cpu=5", "writer", "core-of=reader");

        assertEquals(CpuSet.of(0), cpus(plan, "writer"));
    }

    @Test
    void coreOfFailsWhenEveryOtherCoreIsTaken()
    {
        final CpuTopology topology = fixture("vm-2cpu", "0-1");
        plan(topology, "Other", "writer", "cpu=1");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> plan(topology, "SimpleIPC", "reader", "cpu=0", "writer", "core-of=reader"));
        assertEquals("channel SimpleIPC, role writer, affinity 'core-of=reader': no free CPU on another core than " +
            "cpu 0 (role reader, core 0); taken: cpu 1 by Other/writer; this process may use CPUs 0-1",
            ex.getMessage());
    }

    @Test
    void rolesReferredToAreResolvedFirstWhateverTheOrder()
    {
        final AffinityPlan plan = plan(fixture("isolated-8cpu", "0-7"), "SimpleIPC",
            "reader", "sibling-of=writer", "writer", "isolated");

        assertEquals(CpuSet.of(6), cpus(plan, "reader"));
        assertEquals(CpuSet.of(2), cpus(plan, "writer"));
        assertEquals(List.of("SimpleIPC/reader", "SimpleIPC/writer"), owners(plan.placements()));
    }

    @Test
    void badReferencesFailNamingTheRoles()
    {
        final CpuTopology topology = fixture("vm-2cpu", "0-1");
        assertEquals("channel SimpleIPC, role writer, affinity 'core-of=nobody': channel SimpleIPC has no role " +
            "'nobody' (roles: writer, reader)",
            failure(topology, "writer", "core-of=nobody", "reader", "cpu=0"));
        assertEquals("channel SimpleIPC, role writer, affinity 'sibling-of=reader': roles refer to each other in a " +
            "cycle: writer -> reader -> writer",
            failure(topology, "writer", "sibling-of=reader", "reader", "core-of=writer"));
        assertEquals("channel SimpleIPC, role writer, affinity 'core-of=writer': roles refer to each other in a " +
            "cycle: writer -> writer",
            failure(topology, "writer", "core-of=writer"));
        assertEquals("channel SimpleIPC, role reader, affinity 'core-of=writer': role writer must be pinned to one " +
            "CPU to place another next to or away from it, but its spec 'none' gives none",
            failure(topology, "writer", "none", "reader", "core-of=writer"));
        assertEquals("channel SimpleIPC, role reader, affinity 'core-of=writer': role writer must be pinned to one " +
            "CPU to place another next to or away from it, but its spec 'cpus=0-1' gives CPUs 0-1; " +
            "this process may use CPUs 0-1",
            failure(topology, "writer", "cpus=0-1", "reader", "core-of=writer"));
    }

    @Test
    void builderRejectsBadNamesAndSpecsWithTheirContext()
    {
        final IllegalArgumentException badSpec = assertThrows(IllegalArgumentException.class,
            () -> AffinityPlan.builder("SimpleIPC").role("writer", "cpu=three"));
        assertTrue(badSpec.getMessage().startsWith("channel SimpleIPC, role writer: invalid affinity spec " +
            "'cpu=three': "), badSpec.getMessage());

        final IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
            () -> AffinityPlan.builder("SimpleIPC").role("writer", "none").role("writer", "cpu=1"));
        assertEquals("channel SimpleIPC: role writer is given twice", twice.getMessage());

        final IllegalArgumentException badRole = assertThrows(IllegalArgumentException.class,
            () -> AffinityPlan.builder("SimpleIPC").role("my writer", "none"));
        assertTrue(badRole.getMessage().startsWith("channel SimpleIPC: invalid role name 'my writer'"),
            badRole.getMessage());

        assertThrows(IllegalArgumentException.class, () -> AffinityPlan.builder(" "));
        final IllegalArgumentException unknownRole = assertThrows(IllegalArgumentException.class,
            () -> plan(fixture("vm-2cpu", "0-1"), "SimpleIPC", "writer", "none").placement("reader"));
        assertEquals("channel SimpleIPC has no role 'reader' (roles: writer)", unknownRole.getMessage());
    }

    @Test
    void planOfNoneDoesNotReadTheMachine()
    {
        final Map<String, PlacementSpec> specs = new LinkedHashMap<>();
        specs.put("writer", PlacementSpec.NONE);
        specs.put("reader", PlacementSpec.NONE);

        final AffinityPlan plan = registry.resolve("SimpleIPC", specs, () ->
        {
            throw new AssertionError("topology read for a plan of none");
        });
        assertEquals(2, plan.placements().size());
    }

    @Test
    void explicitCpusMayBeSharedBetweenPlans()
    {
        final CpuTopology topology = fixture("vm-2cpu", "0-1");
        final AffinityPlan first = plan(topology, "A", "writer", "cpu=1");
        final AffinityPlan second = plan(topology, "B", "writer", "cpu=1");

        assertEquals(cpus(first, "writer"), cpus(second, "writer"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("cpu 1 by A/writer"), warnings.get(0));
    }

    private static List<String> owners(final List<Placement> placements)
    {
        return placements.stream().map(p -> p.channel() + "/" + p.role()).collect(Collectors.toList());
    }
}
