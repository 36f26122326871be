using Mmsim.Fault;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Pgtable;
using Mmsim.Process;
using Mmsim.Tlb;
using static Mmsim.Tests.Mm.MmKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Fault;

/// <summary>
/// A small machine with demand paging for the page-table and fault tests: 64 MiB of RAM by
/// default, one task whose mm uses the drawings' columns (<see cref="Col"/>). Every helper
/// validates the whole machine (VMAs, entries against VMAs, RSS counters, every frame's
/// mapcount and refcount) after it acts.
/// </summary>
internal static class PagingKit
{
    public static (Kernel K, Task T) NewMachine(int mib = 64, PagingMode mode = PagingMode.FourLevel, PagingOptions? options = null)
    {
        var k = new Kernel(MmConfig.ForMode(mode), PhysMemConfig.OfSize((ulong)mib << 20), options);
        Task t = k.CreateInitTask(1);
        t.Mm!.MmapBase = mode is PagingMode.TwoLevel or PagingMode.Pae ? 0xb7fff000UL : TopOfMmap;
        t.Mm.MmapLegacyBase = mode is PagingMode.TwoLevel or PagingMode.Pae ? 0x40000000UL : LegacyBase;
        return (k, t);
    }

    public static MmStruct Mm(this Task t) => t.Mm!;

    public static MmPaging Pg(this Task t) => t.Mm!.Paging!;

    /// <summary>An access inside the page of a column by the task, then a full validation.</summary>
    public static FaultResult Touch(this Kernel k, Task t, int column, AccessKind kind = AccessKind.Write)
    {
        FaultResult r = k.Access(t, Col(column) + 0x10, kind);
        k.Validate();
        return r;
    }

    public static FaultResult Read(this Kernel k, Task t, int column) => k.Touch(t, column, AccessKind.Read);

    /// <summary>The frame mapping a column's page, or -1.</summary>
    public static int PfnAt(this Task t, int column)
    {
        ulong e = t.Pg().EntryAt(Col(column), out int shift);
        if (!PgtableTypes.IsPresent(e))
        {
            return -1;
        }
        ulong sub = (1UL << (shift - 12)) - 1;
        return (int)((PgtableTypes.EntryPfn(e) & ~sub) | (Page.Pages(Col(column)) & sub));
    }

    /// <summary>The leaf entry of a column's page.</summary>
    public static ulong PteAt(this Task t, int column) => t.Pg().EntryAt(Col(column), out _);

    /// <summary>The RSS counters as "anon/file/shmem" pages.</summary>
    public static string RssCounters(this Task t)
    {
        MmPaging p = t.Pg();
        return $"{p.Counter(MmCounter.AnonPages)}/{p.Counter(MmCounter.FilePages)}/{p.Counter(MmCounter.ShmemPages)}";
    }

    /// <summary>A frame's "mapcount/refcount".</summary>
    public static string Counts(this Kernel k, int pfn)
    {
        ref PageFrame f = ref k.Paging!.Phys.Frame(pfn);
        return $"{f.MappedCount}/{f.RefCount}";
    }

    /// <summary>One character per page of [column, column+n): '.' none, 'z' zero page, 'r' read-only, 'w' writable, 'n' PROT_NONE.</summary>
    public static string Ptes(this Task t, int column, int n)
    {
        var sb = new System.Text.StringBuilder(n);
        for (int i = 0; i < n; i++)
        {
            ulong e = t.PteAt(column + i);
            sb.Append(
                PgtableTypes.IsNone(e) ? '.'
                : (e & PgtableTypes.Present) == 0 ? 'n'
                : (int)PgtableTypes.EntryPfn(e) == t.Pg().Machine.ZeroPfn ? 'z'
                : PgtableTypes.IsWrite(e) ? 'w' : 'r');
        }
        return sb.ToString();
    }

    /// <summary>The memory lines of /proc/PID/status that come from the page tables, in kB (from <see cref="Mmsim.Proc.RssStat.Of"/>).</summary>
    public static (ulong VmRss, ulong RssAnon, ulong RssFile, ulong RssShmem, ulong VmHwm, ulong VmPte) Status(MmStruct mm)
    {
        Mmsim.Proc.RssStat r = Mmsim.Proc.RssStat.Of(mm);
        return (r.Rss * 4, r.AnonPages * 4, r.FilePages * 4, r.ShmemPages * 4, Math.Max(r.Rss, r.HiwaterRss) * 4, r.PgtablesBytes / 1024);
    }
}
