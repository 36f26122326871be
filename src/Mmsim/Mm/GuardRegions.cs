namespace Mmsim.Mm;

/// <summary>
/// Guard regions (MADV_GUARD_INSTALL/REMOVE, mm/madvise.c): a guard marker in a page table entry
/// makes any fault on that page fail (SIGSEGV; populate gives -EFAULT, mlock -ENOMEM). The model
/// keeps the guarded pages per mm, not in the entries: markers survive MADV_DONTNEED and
/// mprotect, go with the page tables when mremap moves them, are copied at fork into every VMA
/// the child inherits but a wiped-on-fork one, and vanish with an unmap.
/// </summary>
public sealed partial class MmStruct
{
    private SortedSet<ulong>? _guardPages;

    /// <summary>True when some page holds a guard marker.</summary>
    internal bool HasGuards => _guardPages is { Count: > 0 };

    /// <summary>The first guarded page in [start, end), or null.</summary>
    internal ulong? FirstGuard(ulong start, ulong end)
    {
        if (_guardPages is not { Count: > 0 } g || end <= start)
        {
            return null;
        }
        SortedSet<ulong> view = g.GetViewBetween(start, end - 1);
        return view.Count > 0 ? view.Min : null;
    }

    /// <summary>guard_install_pte_entry() over [start, end): every page gets a marker.</summary>
    internal void InstallGuards(ulong start, ulong end)
    {
        _guardPages ??= new SortedSet<ulong>();
        for (ulong a = start; a < end; a += Page.Size)
        {
            _guardPages.Add(a);
        }
    }

    /// <summary>guard_remove_pte_entry(), and the unmap of page tables: the markers in [start, end) go.</summary>
    internal void RemoveGuards(ulong start, ulong end)
    {
        if (_guardPages is { Count: > 0 } g && end > start)
        {
            g.GetViewBetween(start, end - 1).Clear();
        }
    }

    /// <summary>move_page_tables(): the markers of [from, from+len) move to [to, to+len).</summary>
    internal void MoveGuards(ulong from, ulong to, ulong len)
    {
        if (_guardPages is not { Count: > 0 } g || len == 0)
        {
            return;
        }
        var moved = new List<ulong>(g.GetViewBetween(from, from + len - 1));
        if (moved.Count == 0)
        {
            return;
        }
        RemoveGuards(from, from + len);
        foreach (ulong a in moved)
        {
            g.Add(a - from + to);
        }
    }

    /// <summary>copy_page_range() at fork: the parent's markers in [start, end).</summary>
    internal void CopyGuardsFrom(MmStruct parent, ulong start, ulong end)
    {
        if (parent._guardPages is not { Count: > 0 } g || end <= start)
        {
            return;
        }
        foreach (ulong a in g.GetViewBetween(start, end - 1))
        {
            _guardPages ??= new SortedSet<ulong>();
            _guardPages.Add(a);
        }
    }
}
