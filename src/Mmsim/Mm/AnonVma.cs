namespace Mmsim.Mm;

/// <summary>
/// An <c>anon_vma</c>: the reverse-map root shared by the VMAs that may hold the same anonymous
/// pages. The model keeps its identity (it decides merging) and whether the VMA that owns it was
/// cloned from a parent at fork (a non-singular <c>anon_vma_chain</c>), which also blocks merges.
/// </summary>
public sealed class AnonVma
{
    private static int s_nextId;

    /// <summary>Creates an anon_vma; ids are for display only.</summary>
    public AnonVma(AnonVma? parent = null)
    {
        Parent = parent;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>The parent's anon_vma this one was forked from (anon_vma_fork()).</summary>
    public AnonVma? Parent { get; }

    public int Id { get; }

    /// <summary>VMAs whose anon_vma_chain reaches this anon_vma (its own and its forked children's).</summary>
    internal int Users { get; set; }

    /// <summary>The anon_vma slab object while <see cref="Users"/> is above zero, on a machine with slab caches; else -1.</summary>
    internal long SlabObject { get; set; } = -1;
}
