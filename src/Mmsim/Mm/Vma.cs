using Mmsim.Fs;

namespace Mmsim.Mm;

/// <summary>
/// A virtual memory area (<c>struct vm_area_struct</c>): the half-open range [Start, End) with one
/// set of flags, one backing file (or none) and one anon_vma. It is also its own node in the
/// mm's <see cref="VmaTree"/> (intrusive links below), as the seeds' rbtree node and list links were.
/// </summary>
public sealed class Vma
{
    // Changed only by the mmap-lock paths (mmap, munmap, mprotect, mremap, brk, madvise, mlock):
    internal ulong StartField;
    internal ulong EndField;

    /// <summary>Creates a detached VMA.</summary>
    public Vma(ulong start, ulong end, VmFlags flags, ulong pgoff, OpenFile? file)
    {
        StartField = start;
        EndField = end;
        Flags = flags;
        PgOff = pgoff;
        File = file;
    }

    /// <summary>vm_start: the first address inside the area.</summary>
    public ulong Start => StartField;

    /// <summary>vm_end: the first address after the area.</summary>
    public ulong End => EndField;

    public VmFlags Flags { get; set; }

    /// <summary>vm_pgoff: the file offset in pages; for private anonymous memory, Start &gt;&gt; 12 at creation.</summary>
    public ulong PgOff { get; set; }

    /// <summary>vm_file; null for anonymous memory.</summary>
    public OpenFile? File { get; set; }

    /// <summary>anon_vma: set on the first anonymous fault (anon_vma_prepare), inherited by splits.</summary>
    public AnonVma? AnonVma
    {
        get => _anonVma;
        set
        {
            if (ReferenceEquals(value, _anonVma))
            {
                return;
            }
            // A VMA in a tree moves its anon_vma_chain objects along (unlink_anon_vmas() of the old chain, a link of the new).
            if (Tree?.AnonObjects is { } objects)
            {
                if (_anonVma is not null)
                {
                    objects.Unlink(_anonVma);
                }
                if (value is not null)
                {
                    objects.Link(value);
                }
            }
            _anonVma = value;
        }
    }

    private AnonVma? _anonVma;

    /// <summary>The tree this VMA is in, or null.</summary>
    internal VmaTree? Tree { get; set; }

    /// <summary>True when this VMA's anon_vma_chain has more than one entry (it was forked from a parent's).</summary>
    public bool AnonVmaChainShared { get; set; }

    /// <summary>The name of a special mapping ([vdso], [vvar], [vvar_vclock]); null otherwise.</summary>
    public string? SpecialName { get; set; }

    /// <summary>The anon_vma_name set by prctl(PR_SET_VMA_ANON_NAME), or null.</summary>
    public string? AnonName { get; set; }

    /// <summary>Length in bytes.</summary>
    public ulong Length => EndField - StartField;

    /// <summary>vma_pages(): length in pages.</summary>
    public ulong Pages => (EndField - StartField) >> Page.Shift;

    /// <summary>vma_is_anonymous(): no file and no special operations.</summary>
    public bool IsAnonymous => File is null && SpecialName is null;

    /// <summary>vm_start_gap(): the start, lowered by the stack guard gap for GROWSDOWN areas.</summary>
    public ulong StartGap(ulong stackGuardGap)
    {
        if ((Flags & VmFlags.GrowsDown) == 0)
        {
            return StartField;
        }
        ulong gap = StartField - stackGuardGap;
        return gap > StartField ? 0 : gap;
    }

    /// <summary>Copies every attribute except the range into a new detached VMA (vm_area_dup()).</summary>
    internal Vma Dup()
    {
        return new Vma(StartField, EndField, Flags, PgOff, File)
        {
            AnonVma = AnonVma,
            AnonVmaChainShared = AnonVmaChainShared,
            SpecialName = SpecialName,
            AnonName = AnonName,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => $"{StartField:x}-{EndField:x} {Flags}";

    // ---- Tree and list links, owned by VmaTree. ----
    internal Vma? Left;
    internal Vma? Right;
    internal Vma? Parent;
    internal Vma? PrevLink;
    internal Vma? NextLink;
    internal int Height;

    /// <summary>The hole below this VMA: Start minus the previous VMA's End (or Start for the first).</summary>
    internal ulong GapBelow;

    /// <summary>Largest GapBelow in this subtree (the rbtree's rb_subtree_gap).</summary>
    internal ulong MaxGap;

    /// <summary>The VMA just above, in address order (the seeds' vm_next).</summary>
    public Vma? Next => NextLink;

    /// <summary>The VMA just below, in address order (vm_prev).</summary>
    public Vma? Prev => PrevLink;
}
