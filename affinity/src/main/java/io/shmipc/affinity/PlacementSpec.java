package io.shmipc.affinity;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a thread should run, as written in configuration. The forms:
 * <ul>
 *     <li>{@code none}: leave the thread where the OS puts it (it may use every CPU this process may use).</li>
 *     <li>{@code cpu=3}: pin to exactly CPU 3.</li>
 *     <li>{@code cpus=2-3,6}: allow exactly these CPUs (a cpulist, see {@link CpuSet#parse(String)}); with a
 *     single CPU it is {@code cpu=<n>}.</li>
 *     <li>{@code 3} or {@code 2-3,6}: a bare cpulist, as {@code taskset -c} takes it: the same as {@code cpu=3} or
 *     {@code cpus=2-3,6}.</li>
 *     <li>{@code isolated}: the lowest free CPU isolated from the scheduler by {@code isolcpus=}.</li>
 *     <li>{@code sibling-of=<role>}: a free SMT sibling of the CPU of another role of the same channel: the same
 *     physical core, sharing its L1 and L2 caches (placing a thread <em>next to</em> its peer).</li>
 *     <li>{@code core-of=<role>}: a free CPU on a different physical core from the other role's CPU, preferring its
 *     socket and NUMA node (placing a thread <em>away from</em> its peer's core but near its L3 cache).</li>
 * </ul>
 * A spec only says what is wanted; {@link AffinityPlan} checks it against the machine and picks the CPUs.
 * Instances are immutable; {@link #toString()} gives the canonical text, which {@link #parse(String)} reads back.
 */
public final class PlacementSpec
{
    /**
     * The kind of placement a spec asks for.
     */
    public enum Kind
    {
        /** {@code none}. */
        NONE,
        /** {@code cpu=<n>}. */
        CPU,
        /** {@code cpus=<list>}. */
        CPUS,
        /** {@code isolated}. */
        ISOLATED,
        /** {@code sibling-of=<role>}. */
        SIBLING_OF,
        /** {@code core-of=<role>}. */
        CORE_OF
    }

    /** The spec {@code none}. */
    public static final PlacementSpec NONE = new PlacementSpec(Kind.NONE, CpuSet.EMPTY, null);

    /** The spec {@code isolated}. */
    public static final PlacementSpec ISOLATED = new PlacementSpec(Kind.ISOLATED, CpuSet.EMPTY, null);

    private static final String FORMS =
        "expected none, cpu=<n>, cpus=<list such as 2-3,6>, a bare CPU list (3 or 2-3,6), isolated, " +
        "sibling-of=<role> or core-of=<role>";
    private static final Pattern BARE_CPU_LIST = Pattern.compile("[0-9][^=]*");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9_.]+");

    private final Kind kind;
    private final CpuSet cpus;
    private final String role;

    private PlacementSpec(final Kind kind, final CpuSet cpus, final String role)
    {
        this.kind = kind;
        this.cpus = cpus;
        this.role = role;
    }

    /**
     * Parse a spec. Spaces around the whole spec and around {@code =} are ignored; keywords are lower case.
     *
     * @param spec the text, e.g. {@code cpus=2-3,6}.
     * @return the spec.
     * @throws IllegalArgumentException quoting {@code spec}, saying what is wrong and listing the valid forms, if it
     *                                  is null, blank or not one of the forms.
     */
    public static PlacementSpec parse(final String spec)
    {
        if (null == spec || spec.isBlank())
        {
            throw new IllegalArgumentException("affinity spec is " + (null == spec ? "missing" : "blank") +
                " (write 'none' to leave the thread unpinned); " + FORMS);
        }
        final String text = spec.strip();
        if (BARE_CPU_LIST.matcher(text).matches())
        {
            return cpus(parseCpus(text, spec));
        }
        final int equals = text.indexOf('=');
        final String key = (equals < 0 ? text : text.substring(0, equals)).strip();
        final String value = equals < 0 ? null : text.substring(equals + 1).strip();

        switch (key)
        {
            case "none":
                return withoutValue(NONE, value, spec);
            case "isolated":
                return withoutValue(ISOLATED, value, spec);
            case "cpu":
            {
                final CpuSet cpus = parseCpus(value, spec);
                if (cpus.size() != 1)
                {
                    throw invalid(spec, "cpu= takes one CPU; use cpus=" + value + " to allow several");
                }
                return new PlacementSpec(Kind.CPU, cpus, null);
            }
            case "cpus":
                return cpus(parseCpus(value, spec));
            case "sibling-of":
                return new PlacementSpec(Kind.SIBLING_OF, CpuSet.EMPTY, parseRole(value, spec));
            case "core-of":
                return new PlacementSpec(Kind.CORE_OF, CpuSet.EMPTY, parseRole(value, spec));
            default:
                throw invalid(spec, "unknown form '" + key + "'");
        }
    }

    /**
     * @param cpus a non-empty set of CPUs.
     * @return the spec allowing exactly {@code cpus}, written {@code cpu=<n>} for a single CPU.
     * @throws IllegalArgumentException if {@code cpus} is empty.
     */
    public static PlacementSpec cpus(final CpuSet cpus)
    {
        if (cpus.isEmpty())
        {
            throw new IllegalArgumentException("an affinity spec needs at least one CPU (write 'none' to leave the " +
                "thread unpinned)");
        }

        return new PlacementSpec(cpus.size() == 1 ? Kind.CPU : Kind.CPUS, cpus, null);
    }

    /**
     * @return the kind of placement.
     */
    public Kind kind()
    {
        return kind;
    }

    /**
     * @return the CPUs of a {@link Kind#CPU} or {@link Kind#CPUS} spec; empty for other kinds.
     */
    public CpuSet cpus()
    {
        return cpus;
    }

    /**
     * @return the role a {@link Kind#SIBLING_OF} or {@link Kind#CORE_OF} spec refers to; null for other kinds.
     */
    public String role()
    {
        return role;
    }

    /**
     * @return the canonical text of this spec.
     */
    public String toString()
    {
        switch (kind)
        {
            case NONE:
                return "none";
            case CPU:
                return "cpu=" + cpus;
            case CPUS:
                return "cpus=" + cpus;
            case ISOLATED:
                return "isolated";
            case SIBLING_OF:
                return "sibling-of=" + role;
            default:
                return "core-of=" + role;
        }
    }

    /**
     * {@inheritDoc}
     */
    public boolean equals(final Object obj)
    {
        if (this == obj)
        {
            return true;
        }
        if (!(obj instanceof PlacementSpec))
        {
            return false;
        }
        final PlacementSpec other = (PlacementSpec)obj;
        return kind == other.kind && cpus.equals(other.cpus) && Objects.equals(role, other.role);
    }

    /**
     * {@inheritDoc}
     */
    public int hashCode()
    {
        return Objects.hash(kind, cpus, role);
    }

    /**
     * @param role a role name as given by a caller.
     * @return {@code role} if it is a valid role name: letters, digits, {@code _} and {@code .}.
     * @throws IllegalArgumentException quoting {@code role} otherwise.
     */
    static String checkRole(final String role)
    {
        if (null == role || !ROLE.matcher(role).matches())
        {
            throw new IllegalArgumentException("invalid role name '" + role +
                "': use letters, digits, '_' and '.', e.g. writer or reader");
        }

        return role;
    }

    private static PlacementSpec withoutValue(final PlacementSpec spec, final String value, final String text)
    {
        if (null != value)
        {
            throw invalid(text, "'" + spec + "' takes no value");
        }

        return spec;
    }

    private static CpuSet parseCpus(final String value, final String spec)
    {
        if (null == value || value.isEmpty())
        {
            throw invalid(spec, "no CPU given after '='");
        }
        try
        {
            return CpuSet.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(spec, ex.getMessage());
        }
    }

    private static String parseRole(final String value, final String spec)
    {
        if (null == value || value.isEmpty())
        {
            throw invalid(spec, "no role given after '='");
        }
        try
        {
            return checkRole(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(spec, ex.getMessage());
        }
    }

    private static IllegalArgumentException invalid(final String spec, final String reason)
    {
        return new IllegalArgumentException("invalid affinity spec '" + spec + "': " + reason + "; " + FORMS);
    }
}
