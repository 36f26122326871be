namespace Mmsim.Mm;

/// <summary>
/// The VMA index of an mm: an AVL tree ordered by address whose nodes are the VMAs themselves,
/// threaded with a doubly linked list in address order. It plays the part of the seeds' rbtree
/// plus <c>vm_next</c> list (Linux 6.18 keeps the same information in a maple tree). Each node is
/// augmented with the largest hole below any VMA in its subtree, so the unmapped-area search is
/// O(log n), as <c>mas_empty_area_rev()</c> is.
/// </summary>
/// <remarks>
/// Callers keep VMAs disjoint. Changing a VMA's range goes through <see cref="SetRange"/>, which
/// keeps the hole augmentation right; the order of VMAs never changes in place.
/// </remarks>
public sealed partial class VmaTree
{
    private Vma? _root;
    private Vma? _first;
    private Vma? _last;
    private Vma? _cache;

    /// <summary>Number of VMAs (the mm's map_count).</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The vm_area_struct slab objects behind the VMAs, on a machine with slab caches: one is
    /// allocated as a VMA enters the tree and freed as one leaves (vm_area_alloc()/vm_area_free()).
    /// </summary>
    internal Slab.SlabObjects? Objects { get; set; }

    /// <summary>The machine's anon_vma and anon_vma_chain objects (with slab caches), which the VMAs entering and leaving link and unlink.</summary>
    internal Slab.AnonVmaObjects? AnonObjects { get; set; }

    /// <summary>The lowest VMA, or null.</summary>
    public Vma? First => _first;

    /// <summary>The highest VMA, or null.</summary>
    public Vma? Last => _last;

    /// <summary>
    /// find_vma(): the first VMA whose End is above addr (it may start above addr), or null.
    /// </summary>
    public Vma? Find(ulong addr)
    {
        Vma? c = _cache;
        if (c is not null && c.StartField <= addr && addr < c.EndField)
        {
            return c;
        }
        Vma? node = _root;
        Vma? best = null;
        while (node is not null)
        {
            if (node.EndField > addr)
            {
                best = node;
                if (node.StartField <= addr)
                {
                    break;
                }
                node = node.Left;
            }
            else
            {
                node = node.Right;
            }
        }
        if (best is not null)
        {
            _cache = best;
        }
        return best;
    }

    /// <summary>The VMA containing addr (vma_lookup()), or null.</summary>
    public Vma? Lookup(ulong addr)
    {
        Vma? vma = Find(addr);
        return vma is not null && vma.StartField <= addr ? vma : null;
    }

    /// <summary>find_vma_prev(): like <see cref="Find"/>, also returning the VMA before the result.</summary>
    public Vma? FindPrev(ulong addr, out Vma? prev)
    {
        Vma? vma = Find(addr);
        prev = vma is null ? _last : vma.PrevLink;
        return vma;
    }

    /// <summary>find_vma_intersection(): the first VMA overlapping [start, end), or null.</summary>
    public Vma? FindIntersection(ulong start, ulong end)
    {
        Vma? vma = Find(start);
        return vma is not null && vma.StartField < end ? vma : null;
    }

    /// <summary>Inserts a detached VMA that overlaps no other.</summary>
    public void Insert(Vma vma)
    {
        Vma? prev = null;
        Vma? node = _root;
        while (node is not null)
        {
            if (node.StartField < vma.StartField)
            {
                prev = node;
                node = node.Right;
            }
            else
            {
                node = node.Left;
            }
        }
        InsertAfter(prev, vma);
    }

    /// <summary>
    /// Inserts a detached VMA right after <paramref name="prev"/> in address order (null: first).
    /// The caller guarantees the order; this avoids a search from the root.
    /// </summary>
    public void InsertAfter(Vma? prev, Vma vma)
    {
        Vma? next = prev is null ? _first : prev.NextLink;
        vma.Left = vma.Right = null;
        vma.Height = 1;
        if (prev is null && next is null)
        {
            _root = vma;
            vma.Parent = null;
        }
        else if (prev is not null && prev.Right is null)
        {
            prev.Right = vma;
            vma.Parent = prev;
        }
        else
        {
            // next is the leftmost node of prev's right subtree (or of the tree), so has no left child.
            next!.Left = vma;
            vma.Parent = next;
        }
        LinkList(prev, vma, next);
        Count++;
        Objects?.Alloc();
        vma.Tree = this;
        if (vma.AnonVma is { } av)
        {
            AnonObjects?.Link(av);
        }
        vma.GapBelow = vma.StartField - (prev is null ? 0 : prev.EndField);
        vma.MaxGap = vma.GapBelow;
        if (next is not null)
        {
            next.GapBelow = next.StartField - vma.EndField;
            PropagateGap(next);
        }
        Rebalance(vma.Parent);
    }

    /// <summary>Removes a VMA from the tree and the list.</summary>
    public void Remove(Vma vma) => Remove(vma, absorbed: false);

    /// <summary>
    /// Removes a VMA whose range a neighbour takes over right after (a merge): the hole below the
    /// next VMA is left as if the range stayed covered, so no transient hole climbs the tree.
    /// </summary>
    public void RemoveAbsorbed(Vma vma) => Remove(vma, absorbed: true);

    private void Remove(Vma vma, bool absorbed)
    {
        if (_cache == vma)
        {
            _cache = null;
        }
        Vma? prev = vma.PrevLink;
        Vma? next = vma.NextLink;
        Vma? swapped = null;
        if (vma.Left is not null && vma.Right is not null)
        {
            SwapWithSuccessor(vma, next!);
            swapped = next;
        }
        Vma? child = vma.Left ?? vma.Right;
        Vma? parent = vma.Parent;
        ReplaceChild(parent, vma, child);
        if (child is not null)
        {
            child.Parent = parent;
        }
        UnlinkList(prev, vma, next);
        Count--;
        Objects?.Free();
        vma.Tree = null;
        if (vma.AnonVma is { } av)
        {
            AnonObjects?.Unlink(av);
        }
        vma.Left = vma.Right = vma.Parent = null;
        if (next is not null)
        {
            next.GapBelow = next.StartField - (absorbed ? vma.EndField : prev is null ? 0 : prev.EndField);
            PropagateGap(next);
        }
        Rebalance(parent, swapped);
    }

    /// <summary>
    /// Changes a linked VMA's range. The new range must not overlap its neighbours, so the order
    /// is kept; the holes on both sides are updated.
    /// </summary>
    public void SetRange(Vma vma, ulong start, ulong end)
    {
        vma.StartField = start;
        vma.EndField = end;
        Vma? prev = vma.PrevLink;
        vma.GapBelow = start - (prev is null ? 0 : prev.EndField);
        PropagateGap(vma);
        Vma? next = vma.NextLink;
        if (next is not null)
        {
            next.GapBelow = next.StartField - end;
            PropagateGap(next);
        }
    }

    /// <summary>Iterates every VMA in address order without allocating (for_each_vma()).</summary>
    public Enumerator GetEnumerator() => new(_first);

    /// <summary>An allocation-free iterator over the list links.</summary>
    public struct Enumerator
    {
        private Vma? _next;

        internal Enumerator(Vma? first)
        {
            _next = first;
            Current = null!;
        }

        public Vma Current { get; private set; }

        public bool MoveNext()
        {
            if (_next is null)
            {
                return false;
            }
            Current = _next;
            _next = _next.NextLink;
            return true;
        }
    }

    private void LinkList(Vma? prev, Vma vma, Vma? next)
    {
        vma.PrevLink = prev;
        vma.NextLink = next;
        if (prev is null)
        {
            _first = vma;
        }
        else
        {
            prev.NextLink = vma;
        }
        if (next is null)
        {
            _last = vma;
        }
        else
        {
            next.PrevLink = vma;
        }
    }

    private void UnlinkList(Vma? prev, Vma vma, Vma? next)
    {
        if (prev is null)
        {
            _first = next;
        }
        else
        {
            prev.NextLink = next;
        }
        if (next is null)
        {
            _last = prev;
        }
        else
        {
            next.PrevLink = prev;
        }
        vma.PrevLink = vma.NextLink = null;
    }
}
