namespace Mmsim.Mm;

/// <summary>AVL rebalancing and hole augmentation of <see cref="VmaTree"/>.</summary>
public sealed partial class VmaTree
{
    private static int HeightOf(Vma? n) => n is null ? 0 : n.Height;

    private static ulong MaxGapOf(Vma? n) => n is null ? 0 : n.MaxGap;

    /// <summary>The largest hole in n's subtree: its own or its children's (the rbtree's rb_subtree_gap).</summary>
    private static ulong SubtreeMaxGap(Vma n)
    {
        ulong g = n.GapBelow;
        ulong gl = MaxGapOf(n.Left);
        ulong gr = MaxGapOf(n.Right);
        if (gl > g)
        {
            g = gl;
        }
        return gr > g ? gr : g;
    }

    /// <summary>Recomputes a node's height and subtree-gap from its children.</summary>
    private static void Recompute(Vma n)
    {
        int hl = HeightOf(n.Left);
        int hr = HeightOf(n.Right);
        n.Height = (hl > hr ? hl : hr) + 1;
        n.MaxGap = SubtreeMaxGap(n);
    }

    /// <summary>After a node's GapBelow changed: refreshes MaxGap up to the root, stopping early when stable.</summary>
    private static void PropagateGap(Vma? n)
    {
        while (n is not null)
        {
            ulong g = SubtreeMaxGap(n);
            if (g == n.MaxGap)
            {
                return;
            }
            n.MaxGap = g;
            n = n.Parent;
        }
    }

    /// <summary>
    /// Walks from n towards the root, recomputing and rotating where the AVL balance is broken;
    /// stops at the first balanced node whose height and subtree gap did not change (nothing above
    /// it can have). When a removal moved <paramref name="through"/> (the successor) into the
    /// removed node's place, its ancestors were computed from the removed node: no stop until above it.
    /// </summary>
    private void Rebalance(Vma? n, Vma? through = null)
    {
        while (n is not null)
        {
            bool mayStop = through is null;
            if (n == through)
            {
                through = null;
            }
            int oldHeight = n.Height;
            ulong oldGap = n.MaxGap;
            Recompute(n);
            int balance = HeightOf(n.Left) - HeightOf(n.Right);
            if (mayStop && balance >= -1 && balance <= 1 && n.Height == oldHeight && n.MaxGap == oldGap)
            {
                return;
            }
            if (balance > 1)
            {
                if (HeightOf(n.Left!.Left) < HeightOf(n.Left.Right))
                {
                    RotateLeft(n.Left);
                }
                n = RotateRight(n);
            }
            else if (balance < -1)
            {
                if (HeightOf(n.Right!.Right) < HeightOf(n.Right.Left))
                {
                    RotateRight(n.Right);
                }
                n = RotateLeft(n);
            }
            n = n.Parent;
        }
    }

    /// <summary>Rotates n's right child up; returns the new subtree root.</summary>
    private Vma RotateLeft(Vma n)
    {
        Vma r = n.Right!;
        n.Right = r.Left;
        if (r.Left is not null)
        {
            r.Left.Parent = n;
        }
        ReplaceChild(n.Parent, n, r);
        r.Parent = n.Parent;
        r.Left = n;
        n.Parent = r;
        Recompute(n);
        Recompute(r);
        return r;
    }

    /// <summary>Rotates n's left child up; returns the new subtree root.</summary>
    private Vma RotateRight(Vma n)
    {
        Vma l = n.Left!;
        n.Left = l.Right;
        if (l.Right is not null)
        {
            l.Right.Parent = n;
        }
        ReplaceChild(n.Parent, n, l);
        l.Parent = n.Parent;
        l.Right = n;
        n.Parent = l;
        Recompute(n);
        Recompute(l);
        return l;
    }

    private void ReplaceChild(Vma? parent, Vma oldChild, Vma? newChild)
    {
        if (parent is null)
        {
            _root = newChild;
        }
        else if (parent.Left == oldChild)
        {
            parent.Left = newChild;
        }
        else
        {
            parent.Right = newChild;
        }
    }

    /// <summary>
    /// Exchanges the tree positions of a node with two children and its in-order successor
    /// (the leftmost node of its right subtree), so the node can then be spliced out.
    /// </summary>
    private void SwapWithSuccessor(Vma v, Vma s)
    {
        Vma? vParent = v.Parent;
        Vma? vLeft = v.Left;
        Vma? vRight = v.Right;
        Vma? sParent = s.Parent;
        Vma? sRight = s.Right;
        (v.Height, s.Height) = (s.Height, v.Height);

        ReplaceChild(vParent, v, s);
        s.Parent = vParent;
        s.Left = vLeft;
        vLeft!.Parent = s;
        if (sParent == v)
        {
            s.Right = v;
            v.Parent = s;
        }
        else
        {
            s.Right = vRight;
            vRight!.Parent = s;
            sParent!.Left = v;
            v.Parent = sParent;
        }
        v.Left = null;
        v.Right = sRight;
        if (sRight is not null)
        {
            sRight.Parent = v;
        }
    }

    /// <summary>
    /// Checks the AVL shape, parent links, hole augmentation and order, and that the tree and the
    /// address-ordered list hold the same VMAs in the same order; adds what is broken to found.
    /// </summary>
    internal void CheckStructure(List<DebugVm.VmViolation> found)
    {
        var inOrder = new List<Vma>(Count);
        CheckSubtree(_root, null, out _, inOrder, found);
        if (inOrder.Count != Count)
        {
            Broken(found, $"{inOrder.Count} nodes in the tree, Count says {Count}");
        }
        int listed = 0;
        Vma? prev = null;
        for (Vma? v = _first; v is not null && listed <= Count; v = v.NextLink)
        {
            if (v.PrevLink != prev)
            {
                Broken(found, $"list: prev link of {v} is {v.PrevLink?.ToString() ?? "null"}, expected {prev?.ToString() ?? "null"}");
            }
            if (v.GapBelow != v.StartField - (prev is null ? 0 : prev.EndField))
            {
                Broken(found, $"stale hole below {v}: {v.GapBelow:x}, expected {v.StartField - (prev is null ? 0 : prev.EndField):x}");
            }
            if (listed < inOrder.Count && inOrder[listed] != v)
            {
                Broken(found, $"list entry {listed} is {v} but the tree's is {inOrder[listed]}");
            }
            prev = v;
            listed++;
        }
        if (listed != Count || _last != prev)
        {
            Broken(found, $"{listed} VMAs in the list (last {prev?.ToString() ?? "null"}), Count says {Count} (last {_last?.ToString() ?? "null"})");
        }
    }

    /// <summary>Throws the first of <see cref="CheckStructure"/>'s findings.</summary>
    internal void ValidateStructure()
    {
        var found = new List<DebugVm.VmViolation>();
        CheckStructure(found);
        if (found.Count > 0)
        {
            throw new ModelBugException(found[0].Message);
        }
    }

    private static void Broken(List<DebugVm.VmViolation> found, string what)
    {
        found.Add(new DebugVm.VmViolation(DebugVm.VmInvariant.VmaTree, "VmaTree: " + what));
    }

    private static void CheckSubtree(Vma? n, Vma? parent, out int height, List<Vma> inOrder, List<DebugVm.VmViolation> found)
    {
        if (n is null)
        {
            height = 0;
            return;
        }
        if (n.Parent != parent)
        {
            Broken(found, $"bad parent link at {n}");
        }
        CheckSubtree(n.Left, n, out int hl, inOrder, found);
        inOrder.Add(n);
        CheckSubtree(n.Right, n, out int hr, inOrder, found);
        height = Math.Max(hl, hr) + 1;
        ulong expectGap = Math.Max(n.GapBelow, Math.Max(MaxGapOf(n.Left), MaxGapOf(n.Right)));
        if (height != n.Height || Math.Abs(hl - hr) > 1)
        {
            Broken(found, $"unbalanced at {n}: height {n.Height}, subtrees {hl} and {hr}");
        }
        if (expectGap != n.MaxGap)
        {
            Broken(found, $"stale augmentation at {n}: max gap {n.MaxGap:x}, expected {expectGap:x}");
        }
        if ((n.Left is not null && n.Left.StartField >= n.StartField) || (n.Right is not null && n.Right.StartField <= n.StartField))
        {
            Broken(found, $"order broken at {n}");
        }
    }
}
