namespace Mmsim.Mm;

/// <summary>brk(): the heap (mm/mmap.c SYSCALL_DEFINE1(brk) and do_brk_flags()).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// The brk() system call: moves the program break and returns the new one, or the old one
    /// when the request is refused (brk never returns -errno).
    /// </summary>
    public long SysBrk(ulong brk)
    {
        ulong origBrk = Brk;
        ulong minBrk = StartBrk;
        if (brk < minBrk)
        {
            return (long)origBrk;
        }
        if (Config.RlimitData != ulong.MaxValue && brk - StartBrk + (EndData - StartData) > Config.RlimitData)
        {
            return (long)origBrk;
        }
        ulong newBrk = Page.Align(brk);
        ulong oldBrk = Page.Align(Brk);
        if (oldBrk == newBrk)
        {
            Brk = brk;
            return (long)brk;
        }
        if (brk <= Brk)
        {
            Vma? brkVma = Vmas.FindIntersection(newBrk, oldBrk);
            if (brkVma is null || brkVma.Start >= oldBrk)
            {
                return (long)origBrk;
            }
            if (DoMunmap(newBrk, oldBrk) != 0)
            {
                return (long)origBrk;
            }
            Brk = brk;
            return (long)brk;
        }
        Vma? next = Vmas.FindIntersection(oldBrk, newBrk + Page.Size + Config.StackGuardGap);
        if (next is not null && newBrk + Page.Size > next.StartGap(Config.StackGuardGap))
        {
            return (long)origBrk;
        }
        Vma? prev = Vmas.Find(oldBrk) is { } after ? after.Prev : Vmas.Last;
        // vma_prev_limit(start_brk): the VMA before the old break if it reaches above start_brk,
        // the heap, or a VMA an mlock or madvise merged the heap into (the bss below it).
        Vma? brkVma2 = prev is not null && prev.End > StartBrk ? prev : null;
        if (DoBrkFlags(brkVma2, oldBrk, newBrk - oldBrk, VmFlags.None) != 0)
        {
            return (long)origBrk;
        }
        Brk = brk;
        if ((DefFlags & VmFlags.Locked) != 0)
        {
            RequestPopulate(oldBrk, newBrk - oldBrk);
        }
        return (long)brk;
    }

    /// <summary>
    /// do_brk_flags(): maps [addr, addr+len) as anonymous data memory, expanding vma (the VMA
    /// ending at addr, if any) when it can. Used by brk() and for the ELF loader's bss.
    /// </summary>
    internal int DoBrkFlags(Vma? vma, ulong addr, ulong len, VmFlags flags)
    {
        flags |= VmFlags.DataDefault | VmFlags.Account | DefFlags;
        ulong pages = Page.Pages(len);
        if (!MayExpandVm(flags, pages) || MapCount > Config.MaxMapCount || !VmEnoughMemory(pages))
        {
            return -Errno.ENOMEM;
        }
        Vma? result = null;
        if (vma is not null && vma.End == addr)
        {
            var vmg = new VmaMergeState
            {
                Start = addr,
                End = addr + len,
                PgOff = addr >> Page.Shift,
                Flags = flags,
                Prev = vma,
            };
            result = VmaMerge.MergeNewRange(this, ref vmg);
        }
        if (result is null)
        {
            result = new Vma(addr, addr + len, flags, addr >> Page.Shift, null);
            Vma? prev = Vmas.Find(addr) is { } after ? after.Prev : Vmas.Last;
            Vmas.InsertAfter(prev, result);
            OnVmaCreated(result);
        }
        StatAccount(flags, (long)pages);
        CommittedPages += pages;
        if ((flags & VmFlags.Locked) != 0)
        {
            LockedVm += pages;
        }
        result.Flags |= VmFlags.SoftDirty;
        return 0;
    }
}
