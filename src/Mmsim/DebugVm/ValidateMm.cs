using Mmsim.Mm;

namespace Mmsim.DebugVm;

/// <summary>
/// The per-mm half of the validator, after validate_mm() in mm/vma.c (CONFIG_DEBUG_VM_MAPLE_TREE):
/// the VMA index and the VM counters of mm_struct against a full scan of the VMAs.
/// </summary>
public static class ValidateMm
{
    /// <summary>
    /// Checks one mm's VMAs and counters; adds every broken invariant to found. The VMAs must be
    /// sorted, disjoint, page-aligned, below TASK_SIZE and without two neighbours that
    /// <see cref="VmaMerge.WouldMerge"/> would join. Two kinds of neighbours the kernel leaves
    /// apart are excepted: dup_mmap()'s copies that differed only in VM_LOCKED, and the VMA ending
    /// at start_brk below the brk area (brk() looks for the VMA to expand only from start_brk up,
    /// vma_prev_limit(), so it never joins the program's bss). The tree
    /// and the list must agree; map_count, total_vm, locked_vm, data_vm, exec_vm and stack_vm
    /// must equal the sums vm_stat_account() would have kept.
    /// </summary>
    public static void Check(MmStruct mm, List<VmViolation> found)
    {
        mm.Vmas.CheckStructure(found);
        Span<ulong> sums = stackalloc ulong[5];
        int count = 0;
        Vma? prev = null;
        for (Vma? v = mm.Vmas.First; v is not null && count <= mm.MapCount; v = v.Next)
        {
            CheckRange(mm, prev, v, found);
            Account(v, sums);
            prev = v;
            count++;
        }
        if (count != mm.MapCount)
        {
            found.Add(new(VmInvariant.MapCount, $"mm {Name(mm)}: map_count {mm.MapCount} but {count} VMAs found"));
        }
        Compare(mm, VmInvariant.TotalVm, "total_vm", mm.TotalVm, sums[0], found);
        Compare(mm, VmInvariant.LockedVm, "locked_vm", mm.LockedVm, sums[1], found);
        Compare(mm, VmInvariant.DataVm, "data_vm", mm.DataVm, sums[2], found);
        Compare(mm, VmInvariant.ExecVm, "exec_vm", mm.ExecVm, sums[3], found);
        Compare(mm, VmInvariant.StackVm, "stack_vm", mm.StackVm, sums[4], found);
    }

    /// <summary>A short name for an mm in messages: its start_brk, or the first VMA.</summary>
    internal static string Name(MmStruct mm) => mm.StartBrk != 0 ? $"brk@{mm.StartBrk:x}" : $"@{mm.Vmas.First?.Start ?? 0:x}";

    private static void CheckRange(MmStruct mm, Vma? prev, Vma v, List<VmViolation> found)
    {
        if (v.Start >= v.End || !Page.IsAligned(v.Start) || !Page.IsAligned(v.End) || v.End > mm.TaskSize)
        {
            found.Add(new(VmInvariant.VmaRange, $"mm {Name(mm)}: VMA {v} is empty, unaligned or above TASK_SIZE {mm.TaskSize:x}"));
        }
        if (prev is null)
        {
            return;
        }
        if (prev.End > v.Start)
        {
            found.Add(new(VmInvariant.VmaOrder, $"mm {Name(mm)}: VMA {prev} overlaps or follows {v}"));
        }
        else if (prev.End == v.Start && !mm.ForkUnlockedNeighbours && !(v.Start == mm.StartBrk && v.Start != 0)
            && mm.SplitsLeftByRefusal?.Contains(v.Start) != true && VmaMerge.WouldMerge(prev, v))
        {
            found.Add(new(VmInvariant.VmaUnmerged, $"mm {Name(mm)}: neighbours {prev} (pgoff {prev.PgOff:x}) and {v} (pgoff {v.PgOff:x}) would have merged"));
        }
    }

    /// <summary>Adds a VMA's pages to total, locked, data, exec and stack as vm_stat_account() classifies it.</summary>
    private static void Account(Vma v, Span<ulong> sums)
    {
        ulong pages = v.Pages;
        sums[0] += pages;
        if ((v.Flags & VmFlags.Locked) != 0)
        {
            sums[1] += pages;
        }
        VmFlags f = v.Flags;
        if ((f & (VmFlags.Exec | VmFlags.Write | VmFlags.GrowsDown)) == VmFlags.Exec)
        {
            sums[3] += pages;
        }
        else if ((f & VmFlags.GrowsDown) != 0)
        {
            sums[4] += pages;
        }
        else if ((f & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write)
        {
            sums[2] += pages;
        }
    }

    private static void Compare(MmStruct mm, VmInvariant inv, string name, ulong kept, ulong scanned, List<VmViolation> found)
    {
        if (kept != scanned)
        {
            found.Add(new(inv, $"mm {Name(mm)}: {name} is {kept} pages but the VMAs hold {scanned}"));
        }
    }
}
