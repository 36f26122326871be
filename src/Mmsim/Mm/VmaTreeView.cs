namespace Mmsim.Mm;

/// <summary>
/// A read-only view of the index's shape, for drawings (the demo, the visualizer): the root and
/// each node's two subtrees. Nothing here changes the tree.
/// </summary>
public sealed partial class VmaTree
{
    /// <summary>The root node of the AVL tree, or null when the mm has no VMA.</summary>
    public Vma? Root => _root;

    /// <summary>The subtree of lower addresses below vma in the tree, or null.</summary>
    public static Vma? LeftOf(Vma vma) => vma.Left;

    /// <summary>The subtree of higher addresses below vma in the tree, or null.</summary>
    public static Vma? RightOf(Vma vma) => vma.Right;
}
