package io.shmipc.affinity;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuSetTest
{
    @Test
    void parsesTheKernelCpuListFormat()
    {
        assertArrayEquals(new int[]{ 2, 3, 6 }, CpuSet.parse("2-3,6").stream().toArray());
        assertArrayEquals(new int[]{ 0 }, CpuSet.parse("0").stream().toArray());
        assertArrayEquals(new int[]{ 0, 1, 2, 3, 64, 127, 128 }, CpuSet.parse("0-3,64,127-128\n").stream().toArray());
        assertArrayEquals(new int[]{ 1, 5 }, CpuSet.parse(" 5 , 1 ").stream().toArray());
        assertEquals(CpuSet.of(4, 5, 6), CpuSet.parse("4-6,5"));
    }

    @Test
    void blankTextIsTheEmptySetAsInAnEmptyIsolatedFile()
    {
        assertTrue(CpuSet.parse("\n").isEmpty());
        assertTrue(CpuSet.parse("").isEmpty());
        assertEquals(CpuSet.EMPTY, CpuSet.parse(" "));
        assertEquals("", CpuSet.EMPTY.toString());
        assertEquals(-1, CpuSet.EMPTY.first());
    }

    @Test
    void formatsLikeTheKernel()
    {
        assertEquals("2-3,6", CpuSet.of(6, 3, 2).toString());
        assertEquals("0-1", CpuSet.of(0, 1).toString());
        assertEquals("0,2,4", CpuSet.of(0, 2, 4).toString());
        assertEquals("62-65", CpuSet.of(62, 63, 64, 65).toString());
        assertEquals("65535", CpuSet.of(CpuSet.MAX_CPU).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = { "a", "1,,2", "1,", ",1", "3-2", "-1", "1-", "0x3", "1 2", "1-2-3", "0-7:2", "+1" })
    void rejectsMalformedListsNamingTheListAndElement(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> CpuSet.parse(text));
        assertTrue(ex.getMessage().startsWith("invalid CPU list '" + text + "'"), ex.getMessage());
    }

    @Test
    void rejectsCpusAboveTheMaximumWithoutAllocatingThem()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> CpuSet.parse("0-4000000000"));
        assertTrue(ex.getMessage().contains("'4000000000' is not a CPU number"), ex.getMessage());
        final IllegalArgumentException above =
            assertThrows(IllegalArgumentException.class, () -> CpuSet.parse("65536"));
        assertEquals("invalid CPU list '65536': CPU 65536 is above the maximum 65535", above.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuSet.of(-1));
        assertThrows(IllegalArgumentException.class, () -> CpuSet.parse(null));
    }

    @Test
    void masksUseTheCpuSetTLayout()
    {
        final CpuSet cpus = CpuSet.of(0, 1, 63, 64);
        assertArrayEquals(new long[]{ 0x8000_0000_0000_0003L, 1L, 0L, 0L }, cpus.toWords(4));
        assertEquals(cpus, CpuSet.fromWords(new long[]{ 0x8000_0000_0000_0003L, 1L, 0L, 0L }));
        assertEquals(CpuSet.EMPTY, CpuSet.fromWords(new long[16]));
        assertArrayEquals(new long[]{ 0L }, CpuSet.EMPTY.toWords(1));
    }

    @Test
    void setOperations()
    {
        final CpuSet a = CpuSet.parse("0-3,8");
        final CpuSet b = CpuSet.parse("2-9");
        assertEquals(CpuSet.parse("0-9"), a.union(b));
        assertEquals(CpuSet.parse("2-3,8"), a.intersect(b));
        assertEquals(CpuSet.parse("0-1"), a.minus(b));
        assertEquals(CpuSet.EMPTY, CpuSet.of(70).minus(CpuSet.of(70)));
        assertTrue(b.containsAll(CpuSet.parse("4-7")));
        assertFalse(b.containsAll(a));
        assertTrue(a.containsAll(CpuSet.EMPTY));
        assertEquals(5, a.size());
        assertEquals(8, a.nextCpu(4));
        assertEquals(-1, a.nextCpu(9));
        assertFalse(a.contains(-1));
        assertFalse(a.contains(1000));
    }

    @Property(tries = 300)
    void formatThenParseGivesTheSameSet(@ForAll @Size(max = 40) final List<@IntRange(max = 300) Integer> cpus)
    {
        final CpuSet set = CpuSet.of(cpus.stream().mapToInt(Integer::intValue).toArray());
        assertEquals(set, CpuSet.parse(set.toString()));
        assertEquals(cpus.stream().distinct().count(), set.size());
    }

    @Property(tries = 300)
    void setOperationsAgreeWithBitSet(
        @ForAll @Size(max = 30) final List<@IntRange(max = 200) Integer> left,
        @ForAll @Size(max = 30) final List<@IntRange(max = 200) Integer> right)
    {
        final CpuSet a = CpuSet.of(left.stream().mapToInt(Integer::intValue).toArray());
        final CpuSet b = CpuSet.of(right.stream().mapToInt(Integer::intValue).toArray());
        final BitSet x = bits(left);
        final BitSet y = bits(right);

        final BitSet union = (BitSet)x.clone();
        union.or(y);
        final BitSet intersection = (BitSet)x.clone();
        intersection.and(y);
        final BitSet difference = (BitSet)x.clone();
        difference.andNot(y);

        assertArrayEquals(union.stream().toArray(), a.union(b).stream().toArray());
        assertArrayEquals(intersection.stream().toArray(), a.intersect(b).stream().toArray());
        assertArrayEquals(difference.stream().toArray(), a.minus(b).stream().toArray());
        assertEquals(difference.isEmpty(), b.containsAll(a));
        assertEquals(a.intersect(b).isEmpty(), a.intersect(b).equals(CpuSet.EMPTY));
        assertEquals(a.union(b).hashCode(), b.union(a).hashCode());
    }

    private static BitSet bits(final List<Integer> cpus)
    {
        final BitSet bits = new BitSet();
        cpus.forEach(bits::set);
        return bits;
    }

    @Test
    void streamListsCpusInAscendingOrder()
    {
        assertEquals("1 64 65 200",
            CpuSet.of(200, 65, 1, 64).stream().mapToObj(String::valueOf).collect(Collectors.joining(" ")));
    }
}
