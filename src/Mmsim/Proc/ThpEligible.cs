using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>What kind of VMA thp_vma_allowable_orders() sees.</summary>
public enum ThpVmaKind
{
    /// <summary>vma_is_anonymous(): no vm_ops (private anonymous memory, heap, stack).</summary>
    Anonymous,

    /// <summary>A regular file mapping.</summary>
    File,

    /// <summary>A shmem file: shared anonymous, SysV shm, memfd, tmpfs.</summary>
    Shmem,

    /// <summary>A special mapping with vm_ops but no file ([vdso], [vvar]).</summary>
    Special,

    /// <summary>The gate VMA ([vsyscall]): no mm.</summary>
    Gate,
}

/// <summary>
/// The "THPeligible" line of smaps: whether thp_vma_allowable_orders(vma, vm_flags, TVA_SMAPS,
/// BIT(PMD_ORDER)) (mm/huge_memory.c) allows a PMD-sized THP anywhere in the VMA.
/// Simplified: only the PMD order; READ_ONLY_THP_FOR_FS is off (as on the reference machine), so
/// page-cache files are never eligible; shmem "within_size" is treated as "always".
/// </summary>
public static class ThpEligible
{
    /// <summary>HPAGE_PMD_NR: pages in a PMD-sized huge page.</summary>
    public const ulong HpagePmdNr = 512;

    /// <summary>The kind of a model VMA.</summary>
    public static ThpVmaKind KindOf(Vma vma)
    {
        if (vma.File is not null && vma.File.IsDevZero && (vma.Flags & VmFlags.MayShare) == 0)
        {
            // A private /dev/zero mapping is made anonymous by mmap_zero(): it keeps the file for
            // /proc but has no vm_ops.
            return ThpVmaKind.Anonymous;
        }
        if (vma.File is not null)
        {
            return vma.File.Inode.IsShmem || vma.File.IsDevZero || vma.File.Shm is not null ? ThpVmaKind.Shmem : ThpVmaKind.File;
        }
        return vma.SpecialName is null ? ThpVmaKind.Anonymous : ThpVmaKind.Special;
    }

    /// <summary>Whether a PMD-sized THP is allowed in [start, end) with these flags and pgoff.</summary>
    public static bool Pmd(ThpVmaKind kind, VmFlags flags, ulong start, ulong end, ulong pgoff, in SmapsConfig cfg)
    {
        if (kind == ThpVmaKind.Gate || (flags & VmFlags.NoHugePage) != 0 || cfg.MmThpDisabled)
        {
            return false;
        }
        bool advised = (flags & VmFlags.HugePage) != 0;
        if (kind == ThpVmaKind.Anonymous && !(cfg.Thp == ThpMode.Always || (advised && cfg.Thp == ThpMode.Madvise)))
        {
            return false;
        }
        if (!SuitablePmd(start, end, pgoff))
        {
            return false;
        }
        return kind switch
        {
            ThpVmaKind.Anonymous => true,
            ThpVmaKind.Shmem => cfg.ShmemThp switch
            {
                ShmemThpMode.Always or ShmemThpMode.WithinSize or ShmemThpMode.Force => true,
                ShmemThpMode.Advise => advised,
                _ => false,
            },
            _ => false,
        };
    }

    /// <summary>The smaps answer for a model VMA.</summary>
    public static bool Pmd(Vma vma, in SmapsConfig cfg) =>
        Pmd(KindOf(vma), vma.Flags, vma.Start, vma.End, vma.PgOff, cfg);

    /// <summary>thp_vma_suitable_order() at vm_end - HPAGE_PMD_SIZE: the file offset is PMD-aligned
    /// with the address and an aligned 2 MiB block fits inside the VMA.</summary>
    private static bool SuitablePmd(ulong start, ulong end, ulong pgoff)
    {
        if (end - start < Page.PmdSize)
        {
            return false;
        }
        if ((((start >> Page.Shift) - pgoff) & (HpagePmdNr - 1)) != 0)
        {
            return false;
        }
        ulong haddr = (end - Page.PmdSize) & ~(Page.PmdSize - 1);
        return haddr >= start && haddr + Page.PmdSize <= end;
    }
}
