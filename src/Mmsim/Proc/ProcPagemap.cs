using System.Buffers.Binary;
using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>What a page-table entry holds, as far as pagemap is concerned.</summary>
public enum PagemapPteKind : byte
{
    /// <summary>pte_none(): nothing mapped.</summary>
    None,

    /// <summary>pte_present(): a frame is mapped.</summary>
    Present,

    /// <summary>is_swap_pte(): a swap, migration or marker entry (guard regions are markers).</summary>
    Swap,
}

/// <summary>
/// The facts about one virtual page that pagemap reports, gathered from the page tables by the
/// caller (the page-table model): for a present page its PFN and whether the folio is anonymous and
/// mapped only here; for a swap-type entry its type and offset.
/// </summary>
public struct PagemapPage
{
    /// <summary>SWP_PTE_MARKER: the swap type of PTE markers on this configuration.</summary>
    public const ulong SwpPteMarker = 31;

    /// <summary>PTE_MARKER_GUARD: the marker bit of a guard region (MADV_GUARD_INSTALL).</summary>
    public const ulong PteMarkerGuard = 4;

    /// <summary>None, present or swap-type.</summary>
    public PagemapPteKind Kind;

    /// <summary>The PFN of a present page.</summary>
    public ulong Pfn;

    /// <summary>The swap type of a swap-type entry.</summary>
    public ulong SwapType;

    /// <summary>The swap offset (or the PFN of a migration entry, or the marker bits).</summary>
    public ulong SwapOffset;

    /// <summary>The mapped page is not anonymous (page cache or shmem, including shared anonymous).</summary>
    public bool File;

    /// <summary>The folio is mapped by this mm only (!folio_maybe_mapped_shared()).</summary>
    public bool Exclusive;

    /// <summary>pte_soft_dirty() (never set without CONFIG_MEM_SOFT_DIRTY, as here).</summary>
    public bool SoftDirty;

    /// <summary>pte_uffd_wp() or a uffd-wp marker.</summary>
    public bool UffdWp;

    /// <summary>A guard-region marker.</summary>
    public bool Guard;

    /// <summary>A present page.</summary>
    public static PagemapPage Present(ulong pfn, bool file, bool exclusive) =>
        new() { Kind = PagemapPteKind.Present, Pfn = pfn, File = file, Exclusive = exclusive };

    /// <summary>A page swapped out to (type, offset).</summary>
    public static PagemapPage Swapped(ulong type, ulong offset) =>
        new() { Kind = PagemapPteKind.Swap, SwapType = type, SwapOffset = offset };

    /// <summary>A guard-region marker installed by MADV_GUARD_INSTALL.</summary>
    public static PagemapPage GuardMarker() =>
        new() { Kind = PagemapPteKind.Swap, SwapType = SwpPteMarker, SwapOffset = PteMarkerGuard, Guard = true };
}

/// <summary>Gives the pagemap facts of the page at <paramref name="addr"/> inside <paramref name="vma"/>.</summary>
public delegate PagemapPage PagemapPageOf(Vma vma, ulong addr);

/// <summary>
/// /proc/PID/pagemap (fs/proc/task_mmu.c, pagemap_read()): one 64-bit little-endian entry per
/// virtual page, at file offset (address / 4096) * 8. Bits 0-54 the PFN (or swap type in 0-4 and
/// offset above), 55 soft-dirty, 56 exclusively mapped, 57 uffd-wp, 58 guard region, 61 file page or
/// shared anonymous, 62 swapped, 63 present. The PFN and swap fields read as zero without
/// CAP_SYS_ADMIN (<c>showPfn</c> false).
/// </summary>
public static class ProcPagemap
{
    /// <summary>Bytes per entry (PM_ENTRY_BYTES).</summary>
    public const int EntryBytes = 8;

    public const int PfnBits = 55;
    public const ulong PfnMask = (1UL << PfnBits) - 1;
    public const ulong SoftDirty = 1UL << 55;
    public const ulong MmapExclusive = 1UL << 56;
    public const ulong UffdWp = 1UL << 57;
    public const ulong GuardRegion = 1UL << 58;
    public const ulong File = 1UL << 61;
    public const ulong Swap = 1UL << 62;
    public const ulong Present = 1UL << 63;

    /// <summary>MAX_SWAPFILES_SHIFT: the swap offset starts above the 5-bit type.</summary>
    public const int SwapTypeBits = 5;

    /// <summary>pte_to_pagemap_entry(): the entry of one page.</summary>
    public static ulong Encode(in PagemapPage p, bool showPfn)
    {
        ulong e = 0;
        ulong frame = 0;
        switch (p.Kind)
        {
            case PagemapPteKind.Present:
                frame = p.Pfn;
                e |= Present;
                break;
            case PagemapPteKind.Swap:
                frame = p.SwapType | (p.SwapOffset << SwapTypeBits);
                e |= Swap;
                break;
            default:
                break;
        }
        if (showPfn)
        {
            e |= frame & PfnMask;
        }
        if (p.File && p.Kind != PagemapPteKind.None)
        {
            e |= File;
        }
        if (p.Exclusive && p.Kind != PagemapPteKind.None)
        {
            e |= MmapExclusive;
        }
        e |= (p.SoftDirty ? SoftDirty : 0) | (p.UffdWp ? UffdWp : 0) | (p.Guard ? GuardRegion : 0);
        return e;
    }

    /// <summary>The facts an entry states (the inverse of <see cref="Encode"/> with the PFN shown).</summary>
    public static PagemapPage Decode(ulong e)
    {
        var p = new PagemapPage
        {
            Kind = (e & Present) != 0 ? PagemapPteKind.Present : (e & Swap) != 0 ? PagemapPteKind.Swap : PagemapPteKind.None,
            File = (e & File) != 0,
            Exclusive = (e & MmapExclusive) != 0,
            SoftDirty = (e & SoftDirty) != 0,
            UffdWp = (e & UffdWp) != 0,
            Guard = (e & GuardRegion) != 0,
        };
        if (p.Kind == PagemapPteKind.Present)
        {
            p.Pfn = e & PfnMask;
        }
        else if (p.Kind == PagemapPteKind.Swap)
        {
            p.SwapType = e & ((1UL << SwapTypeBits) - 1);
            p.SwapOffset = (e & PfnMask) >> SwapTypeBits;
        }
        return p;
    }

    /// <summary>
    /// pagemap_read(): fills <paramref name="dest"/> with the entries starting at file offset
    /// <paramref name="pos"/>. Pages outside every VMA read as 0; pages of a VMA come from
    /// <paramref name="pageOf"/>. CONFIG_MEM_SOFT_DIRTY is off on the reference machine, so the
    /// kernel's VM_SOFTDIRTY is 0 and the model's <see cref="VmFlags.SoftDirty"/> marks nothing.
    /// Returns the bytes written, or -EINVAL when <paramref name="pos"/> or the length is not a
    /// multiple of 8.
    /// </summary>
    public static long Read(MmStruct mm, PagemapPageOf pageOf, ulong pos, Span<byte> dest, bool showPfn = true)
    {
        if (pos % EntryBytes != 0 || dest.Length % EntryBytes != 0)
        {
            return -Errno.EINVAL;
        }
        ulong addr = pos / EntryBytes << Page.Shift;
        int n = dest.Length / EntryBytes;
        Vma? vma = mm.Vmas.Find(addr);
        for (int i = 0; i < n; i++, addr += 1UL << Page.Shift)
        {
            while (vma is not null && vma.End <= addr)
            {
                vma = vma.Next;
            }
            ulong e = 0;
            if (vma is not null && vma.Start <= addr)
            {
                e = Encode(pageOf(vma, addr), showPfn);
            }
            BinaryPrimitives.WriteUInt64LittleEndian(dest.Slice(i * EntryBytes, EntryBytes), e);
        }
        return dest.Length;
    }
}
