package io.shmipc.affinity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacementSpecTest
{
    private static final String FORMS =
        "expected none, cpu=<n>, cpus=<list such as 2-3,6>, a bare CPU list (3 or 2-3,6), isolated, " +
        "sibling-of=<role> or core-of=<role>";

    @Test
    void parsesEveryForm()
    {
        assertSame(PlacementSpec.NONE, PlacementSpec.parse("none"));
        assertSame(PlacementSpec.ISOLATED, PlacementSpec.parse(" isolated "));

        final PlacementSpec cpu = PlacementSpec.parse("cpu=3");
        assertEquals(PlacementSpec.Kind.CPU, cpu.kind());
        assertEquals(CpuSet.of(3), cpu.cpus());

        final PlacementSpec cpus = PlacementSpec.parse("cpus = 2-3,6");
        assertEquals(PlacementSpec.Kind.CPUS, cpus.kind());
        assertEquals(CpuSet.of(2, 3, 6), cpus.cpus());
        assertNull(cpus.role());

        final PlacementSpec sibling = PlacementSpec.parse("sibling-of=reader");
        assertEquals(PlacementSpec.Kind.SIBLING_OF, sibling.kind());
        assertEquals("reader", sibling.role());
        assertTrue(sibling.cpus().isEmpty());

        final PlacementSpec core = PlacementSpec.parse("core-of=reader");
        assertEquals(PlacementSpec.Kind.CORE_OF, core.kind());
        assertEquals("reader", core.role());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "none|none", "isolated|isolated", "cpu=3|cpu=3", " cpu = 03 |cpu=3", "cpus=6,2-3|cpus=2-3,6", "cpus=4|cpu=4",
        "0|cpu=0", " 3 |cpu=3",
        "2-3,6|cpus=2-3,6", "6, 2-3|cpus=2-3,6", "1-1|cpu=1",
        "sibling-of=writer|sibling-of=writer", "core-of = reader.2|core-of=reader.2" })
    void toStringIsCanonicalAndParsesBack(final String text, final String canonical)
    {
        final PlacementSpec spec = PlacementSpec.parse(text);
        assertEquals(canonical, spec.toString());
        assertEquals(spec, PlacementSpec.parse(spec.toString()));
        assertEquals(spec.hashCode(), PlacementSpec.parse(spec.toString()).hashCode());
    }

    @Test
    void programmaticCpusMatchTheParsedForms()
    {
        assertEquals(PlacementSpec.parse("cpu=5"), PlacementSpec.cpus(CpuSet.of(5)));
        assertEquals(PlacementSpec.parse("cpus=5-6"), PlacementSpec.cpus(CpuSet.of(5, 6)));
        assertThrows(IllegalArgumentException.class, () -> PlacementSpec.cpus(CpuSet.EMPTY));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cpu=x|invalid affinity spec 'cpu=x': invalid CPU list 'x': 'x' is not a CPU number",
        "cpu=2-3|invalid affinity spec 'cpu=2-3': cpu= takes one CPU; use cpus=2-3 to allow several",
        "cpu=|invalid affinity spec 'cpu=': no CPU given after '='",
        "cpus=3-1|invalid affinity spec 'cpus=3-1': invalid CPU list '3-1': range '3-1' runs backwards",
        "cpus=99999|invalid affinity spec 'cpus=99999': invalid CPU list '99999': CPU 99999 is above the maximum",
        "2-x|invalid affinity spec '2-x': invalid CPU list '2-x': 'x' is not a CPU number",
        "3-1|invalid affinity spec '3-1': invalid CPU list '3-1': range '3-1' runs backwards",
        "0,|invalid affinity spec '0,': invalid CPU list '0,'",
        "cores=2|invalid affinity spec 'cores=2': unknown form 'cores'",
        "NONE|invalid affinity spec 'NONE': unknown form 'NONE'",
        "none=1|invalid affinity spec 'none=1': 'none' takes no value",
        "isolated=2|invalid affinity spec 'isolated=2': 'isolated' takes no value",
        "sibling-of=|invalid affinity spec 'sibling-of=': no role given after '='",
        "core-of=a b|invalid affinity spec 'core-of=a b': invalid role name 'a b'" })
    void invalidSpecsSayWhatIsWrongAndListTheForms(final String text, final String start)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PlacementSpec.parse(text));
        assertTrue(ex.getMessage().startsWith(start), ex.getMessage());
        assertTrue(ex.getMessage().endsWith(FORMS), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "  " })
    void blankSpecIsAnErrorNotASilentNone(final String text)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PlacementSpec.parse(text));
        assertEquals("affinity spec is blank (write 'none' to leave the thread unpinned); " + FORMS, ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PlacementSpec.parse(null));
    }
}
