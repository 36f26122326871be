namespace Mmsim.Mm;

/// <summary>
/// What an unmap of [Start, End) will remove (<c>struct vma_munmap_struct</c>), gathered before
/// anything changes so that a refusal leaves the mm untouched.
/// </summary>
internal struct MunmapGather
{
    public ulong Start;
    public ulong End;
    public Vma? First;
    public int Count;
    public ulong Pages;
    public ulong AccountedPages;
}

/// <summary>munmap(): do_vmi_munmap() and the gather/complete steps of mm/vma.c.</summary>
public sealed partial class MmStruct
{
    /// <summary>The munmap() system call. Returns 0 or -errno.</summary>
    public long Munmap(ulong start, ulong len)
    {
        if (!Page.IsAligned(start) || start > TaskSize || len > TaskSize - start)
        {
            return -Errno.EINVAL;
        }
        ulong end = start + Page.Align(len);
        if (end == start)
        {
            return -Errno.EINVAL;
        }
        return DoMunmap(start, end);
    }

    /// <summary>Unmaps the page-aligned range [start, end); 0 or -errno (-EPERM on sealed VMAs).</summary>
    internal int DoMunmap(ulong start, ulong end)
    {
        int err = GatherMunmap(start, end, out MunmapGather gather);
        if (err != 0)
        {
            return err;
        }
        if (gather.Count > 0)
        {
            CompleteMunmap(ref gather);
        }
        return 0;
    }

    /// <summary>
    /// vms_gather_munmap_vmas(), checks only: finds the VMAs overlapping [start, end), refuses
    /// sealed ones (-EPERM; the first VMA stays split at start when the sealed one is further on,
    /// as the kernel splits it before it walks the rest) and a middle split at max_map_count
    /// (-ENOMEM), and counts pages.
    /// </summary>
    internal int GatherMunmap(ulong start, ulong end, out MunmapGather gather)
    {
        gather = new MunmapGather { Start = start, End = end };
        Vma? vma = Vmas.FindIntersection(start, end);
        if (vma is null)
        {
            return 0;
        }
        gather.First = vma;
        if (start > vma.Start && end < vma.End && MapCount >= Config.MaxMapCount)
        {
            return -Errno.ENOMEM;
        }
        for (Vma? v = vma; v is not null && v.Start < end; v = v.Next)
        {
            if ((v.Flags & VmFlags.Sealed) != 0)
            {
                // vms_gather_munmap_vmas() has already split the first VMA at start when it
                // meets a sealed one further on; the refusal puts the VMAs back but not the split.
                if (v != vma && start > vma.Start)
                {
                    VmaMerge.Split(this, vma, start, newBelow: true);
                    (SplitsLeftByRefusal ??= []).Add(start);
                }
                return -Errno.EPERM;
            }
            ulong s = v.Start > start ? v.Start : start;
            ulong e = v.End < end ? v.End : end;
            ulong pages = Page.Pages(e - s);
            gather.Count++;
            gather.Pages += pages;
            if ((v.Flags & VmFlags.Account) != 0)
            {
                gather.AccountedPages += pages;
            }
        }
        return 0;
    }

    /// <summary>
    /// Splits the VMAs at the edges of the gathered range, removes those inside and updates the
    /// counters (vms_complete_munmap_vmas()). Cannot fail.
    /// </summary>
    internal void CompleteMunmap(ref MunmapGather gather)
    {
        Vma vma = gather.First!;
        if (vma.Start < gather.Start)
        {
            VmaMerge.Split(this, vma, gather.Start, newBelow: true);
        }
        Vma? v = vma;
        while (v is not null && v.Start < gather.End)
        {
            if (v.End > gather.End)
            {
                VmaMerge.Split(this, v, gather.End, newBelow: false);
            }
            Vma? next = v.Next;
            RemoveMapped(v);
            v = next;
        }
    }

    /// <summary>remove_vma() with the accounting of an unmap: total_vm, locked_vm, the commit charge.</summary>
    private void RemoveMapped(Vma v)
    {
        ulong pages = v.Pages;
        OnUnmapRange?.Invoke(v, v.Start, v.End);
        Paging?.UnmapVma(v);
        if (HasGuards)
        {
            RemoveGuards(v.Start, v.End);
        }
        Vmas.Remove(v);
        StatAccount(v.Flags, -(long)pages);
        if ((v.Flags & VmFlags.Locked) != 0)
        {
            LockedVm -= pages;
        }
        if ((v.Flags & VmFlags.Account) != 0)
        {
            CommittedPages -= pages;
        }
        OnVmaFreed(v);
    }

    /// <summary>Called before the pages of [start, end) in a VMA are unmapped (the paging layer's zap hook).</summary>
    internal Action<Vma, ulong, ulong>? OnUnmapRange { get; set; }
}
