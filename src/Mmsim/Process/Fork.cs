using Mmsim.Fault;
using Mmsim.Mm;

namespace Mmsim.Process;

/// <summary>dup_mm() / dup_mmap() (kernel/fork.c, mm/mmap.c): the child's copy of an address space.</summary>
public static class Fork
{
    /// <summary>
    /// Copies an mm for a forked child: every VMA but the VM_DONTCOPY ones, without the lock
    /// flags (mlock is not inherited); WIPEONFORK areas start empty (no anon_vma); areas that had
    /// an anon_vma get a child anon_vma linked to the parent's.
    /// </summary>
    public static MmStruct DupMm(MmStruct parent)
    {
        var mm = new MmStruct(parent.Config);
        mm.CopyLayoutFrom(parent);
        mm.ForkUnlockedNeighbours = parent.ForkUnlockedNeighbours;
        mm.SplitsLeftByRefusal = parent.SplitsLeftByRefusal is null ? null : [.. parent.SplitsLeftByRefusal];
        MmPaging? paging = parent.Paging?.Machine.Attach(mm);
        Vma? prev = null;
        foreach (Vma src in parent.Vmas)
        {
            if ((src.Flags & VmFlags.DontCopy) != 0)
            {
                continue;
            }
            Vma dst = src.Dup();
            if ((dst.Flags & VmFlags.LockedMask) != 0)
            {
                dst.Flags &= ~VmFlags.LockedMask;
                mm.ForkUnlockedNeighbours = true;
            }
            if ((src.Flags & VmFlags.WipeOnFork) != 0)
            {
                dst.AnonVma = null;
                dst.AnonVmaChainShared = false;
            }
            else if (src.AnonVma is not null)
            {
                dst.AnonVma = new AnonVma(src.AnonVma);
                dst.AnonVmaChainShared = true;
            }
            mm.Vmas.InsertAfter(prev, dst);
            // Guard markers are copied with the page tables of every VMA the child inherits
            // (shared and file-backed ones too, as a 6.18 fork shows), but not into a wiped one.
            if ((src.Flags & VmFlags.WipeOnFork) == 0)
            {
                mm.CopyGuardsFrom(parent, src.Start, src.End);
            }
            if (paging is not null && MmPaging.NeedsCopy(src) && !paging.CopyPageRange(dst, parent.Paging!, src))
            {
                throw new MachineOutOfMemoryException("dup_mmap: out of memory copying page tables");
            }
            mm.OnVmaCreated(dst);
            mm.StatAccount(dst.Flags, (long)dst.Pages);
            if ((dst.Flags & VmFlags.Account) != 0)
            {
                mm.CommittedPages += dst.Pages;
            }
            prev = dst;
        }
        mm.HiwaterVm = parent.HiwaterVm > mm.TotalVm ? parent.HiwaterVm : mm.TotalVm;
        if (paging is not null)
        {
            paging.ResetHiwater();
            parent.Paging!.Machine.FlushMm(parent);
        }
        return mm;
    }
}
