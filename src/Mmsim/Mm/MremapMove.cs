namespace Mmsim.Mm;

/// <summary>move_vma() and copy_vma(): the moving half of mremap() (mm/mremap.c, mm/vma.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// move_vma(): creates (or merges into) a VMA at newAddr for the moved range, moves the
    /// pages, then unmaps the old range (unless MREMAP_DONTUNMAP). Returns newAddr or -errno.
    /// </summary>
    private long MoveVma(Vma vma, ulong oldAddr, ulong oldLen, ulong newLen, ulong newAddr, int flags)
    {
        if (MapCount >= Config.MaxMapCount - 3)
        {
            return -Errno.ENOMEM;
        }
        bool dontUnmap = (flags & MremapFlags.DontUnmap) != 0;
        VmFlags vmFlags = vma.Flags;
        ulong toAccount = dontUnmap ? newLen : (newLen > oldLen ? newLen - oldLen : 0);
        if ((vmFlags & VmFlags.Account) != 0)
        {
            if (!VmEnoughMemory(Page.Pages(toAccount)))
            {
                return -Errno.ENOMEM;
            }
            CommittedPages += Page.Pages(toAccount);
        }
        ulong newPgoff = vma.PgOff + Page.Pages(oldAddr - vma.Start);
        Vma newVma = CopyVma(vma, newAddr, newLen, newPgoff);
        OnMoveRange?.Invoke(vma, oldAddr, newVma, newAddr, Math.Min(oldLen, newLen));
        Paging?.MovePageTables(oldAddr, newAddr, Math.Min(oldLen, newLen));
        MoveGuards(oldAddr, newAddr, Math.Min(oldLen, newLen));
        StatAccount(vmFlags, (long)Page.Pages(newLen));
        if (dontUnmap)
        {
            Vma? old = Vmas.Lookup(oldAddr);
            if (old is not null && (old.Flags & VmFlags.Locked) != 0)
            {
                LockedVm -= old.Pages;
            }
            if (old is not null)
            {
                old.Flags &= ~VmFlags.LockedMask;
                // dontunmap_complete(): a source moved in full no longer needs its anon_vma links.
                if (old != newVma && old.Start == oldAddr && old.End == oldAddr + oldLen)
                {
                    old.AnonVma = null;
                    old.AnonVmaChainShared = false;
                }
            }
            if ((vmFlags & VmFlags.Locked) != 0)
            {
                LockedVm += Page.Pages(newLen);
            }
            return (long)newAddr;
        }
        ulong hiwater = HiwaterVm;
        if ((vmFlags & VmFlags.Account) != 0)
        {
            // The moved pages stay charged to the new VMA: unmapping the old range must not uncharge them.
            CommittedPages += Page.Pages(oldLen);
        }
        if (oldLen > 0)
        {
            // Nothing to unmap when old_len is 0 (a shared mapping duplicated): the source stays whole.
            DoMunmap(oldAddr, oldAddr + oldLen);
        }
        if ((vmFlags & VmFlags.Locked) != 0)
        {
            LockedVm += Page.Pages(newLen);
            if (newLen > oldLen)
            {
                RequestPopulate(newAddr + oldLen, newLen - oldLen);
            }
        }
        HiwaterVm = hiwater;
        return (long)newAddr;
    }

    /// <summary>
    /// copy_vma(): the VMA for [addr, addr+len) with vma's attributes, merged with its new
    /// neighbours where possible. An anonymous VMA never faulted takes a pgoff matching its new
    /// address, which helps it merge.
    /// </summary>
    private Vma CopyVma(Vma vma, ulong addr, ulong len, ulong pgoff)
    {
        if (vma.IsAnonymous && vma.AnonVma is null)
        {
            pgoff = addr >> Page.Shift;
        }
        Vma? next = Vmas.Find(addr);
        Vma? prev = next is null ? Vmas.Last : next.Prev;
        var vmg = new VmaMergeState
        {
            Start = addr,
            End = addr + len,
            PgOff = pgoff,
            Flags = vma.Flags,
            File = vma.File,
            AnonVma = vma.AnonVma,
            AnonName = vma.AnonName,
            Prev = prev,
            Next = next,
        };
        Vma? merged = VmaMerge.MergeNewRange(this, ref vmg);
        if (merged is not null)
        {
            return merged;
        }
        Vma created = vma.Dup();
        created.StartField = addr;
        created.EndField = addr + len;
        created.PgOff = pgoff;
        Vmas.InsertAfter(prev, created);
        OnVmaCreated(created);
        return created;
    }

    /// <summary>Called when mremap moves the pages of a range (the paging layer's move_page_tables hook).</summary>
    internal Action<Vma, ulong, Vma, ulong, ulong>? OnMoveRange { get; set; }
}
