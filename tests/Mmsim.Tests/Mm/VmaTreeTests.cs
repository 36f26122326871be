using Mmsim.Mm;

namespace Mmsim.Tests.Mm;

/// <summary>The VMA index stays a balanced, ordered, correctly augmented tree under random inserts and removals.</summary>
public sealed class VmaTreeTests
{
    [Fact]
    public void RandomInsertRemoveKeepsInvariants()
    {
        var tree = new VmaTree();
        var rng = new Random(123);
        var live = new List<Vma>();
        for (int i = 0; i < 5000; i++)
        {
            if (live.Count > 0 && rng.Next(3) == 0)
            {
                int k = rng.Next(live.Count);
                tree.Remove(live[k]);
                live.RemoveAt(k);
            }
            else
            {
                ulong page = (ulong)rng.Next(1, 1 << 20);
                ulong start = page << 12;
                if (tree.FindIntersection(start, start + 0x1000) is null)
                {
                    var v = new Vma(start, start + 0x1000, VmFlags.Read, page, null);
                    tree.Insert(v);
                    live.Add(v);
                }
            }
        }
        tree.ValidateStructure();
        Assert.Equal(live.Count, tree.Count);
        foreach (Vma v in live)
        {
            Assert.Same(v, tree.Find(v.Start));
        }
    }

    [Fact]
    public void HighestHoleIsFoundBelowTheLimit()
    {
        var tree = new VmaTree();
        // [0x10000,0x20000) [0x30000,0x40000): holes 0..0x10000, 0x20000..0x30000, 0x40000..
        tree.Insert(new Vma(0x10000, 0x20000, VmFlags.Read, 0, null));
        tree.Insert(new Vma(0x30000, 0x40000, VmFlags.Read, 0, null));
        Assert.True(tree.HighestHole(0x1000, 0x40000, 0x10000, out ulong end));
        Assert.Equal(0x30000UL, end);
        Assert.True(tree.LowestHole(0x1000, 0x100000, 0x10000, out ulong start));
        Assert.Equal(0x20000UL, start);
    }
}
