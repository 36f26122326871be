using System.Text;
using Mmsim.Phys;
using Mmsim.Proc;
using Mmsim.Slab;
using Mmsim.Tests.Proc;

namespace Mmsim.Tests.Slab;

/// <summary>SLUB geometry against the reference machine, slab allocation from the buddy allocator,
/// and /proc/slabinfo byte for byte.</summary>
public sealed class KmemCacheTests
{
    /// <summary>name -> (object_size, slab_size, align, order, objs_per_slab, hwcache, rcu, ctor).</summary>
    private static Dictionary<string, int[]> Sysfs()
    {
        var d = new Dictionary<string, int[]>();
        foreach (string line in File.ReadLines(ProcFixtures.Machine("slab_sysfs")))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }
            string[] f = line.Split(' ');
            d[f[0]] = [.. f.Skip(1).Select(int.Parse)];
        }
        return d;
    }

    [Fact]
    public void StandardCachesHaveTheRealGeometry()
    {
        // For each cache: what /sys/kernel/slab/NAME says, and the /proc/slabinfo columns
        // <objsize> <objperslab> <pagesperslab> of the same machine.
        Dictionary<string, int[]> sysfs = Sysfs();
        var slabinfo = new Dictionary<string, string[]>();
        foreach (string line in File.ReadLines(ProcFixtures.Machine("slabinfo")).Skip(2))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            slabinfo[f[0]] = f;
        }
        SlabCaches caches = SlabCaches.CreateStandard(new PhysMem(PhysMemConfig.OfSize(64UL << 20)));
        Assert.Equal(18, caches.Caches.Count);
        foreach (KmemCache c in caches.Caches)
        {
            int[] s = sysfs[c.Name];
            Assert.Equal((c.Name, s[0], s[1], s[2], s[3], s[4]), (c.Name, c.ObjectSize, c.Size, c.Align, c.Order, c.ObjsPerSlab));
            string[] row = slabinfo[c.Name];
            Assert.Equal((c.Name, row[3], row[4], row[5]), (c.Name, c.Size.ToString(), c.ObjsPerSlab.ToString(), (1 << c.Order).ToString()));
        }
    }

    [Fact]
    public void CalculateOrderMatchesEveryCacheOfTheMachine()
    {
        // All 429 caches and aliases of the reference machine (2 CPUs): the order and objects per
        // slab follow from the slab size alone.
        int n = 0;
        foreach ((string name, int[] s) in Sysfs())
        {
            Assert.Equal((name, s[3], s[4]), (name, KmemCache.CalculateOrder(s[1], 2), KmemCache.OrderObjects(s[3], s[1])));
            n++;
        }
        Assert.Equal(429, n);
    }

    [Fact]
    public void SizeFromObjectSizeAndFlags()
    {
        // anon_vma: 96 bytes with a constructor -> free pointer outside -> 104.
        Assert.Equal(104, KmemCache.CalculateSize(new KmemCacheArgs("anon_vma", 96, HasCtor: true), 8));
        // mm_struct: 1568 with SLAB_HWCACHE_ALIGN -> 64-byte alignment -> 1600.
        Assert.Equal(64, KmemCache.CalculateAlignment(SlabFlags.HwcacheAlign, 8, 1568));
        Assert.Equal(1600, KmemCache.CalculateSize(new KmemCacheArgs("mm_struct", 1568), 64));
        // A 24-byte hwcache-aligned object halves the line twice: 32.
        Assert.Equal(32, KmemCache.CalculateAlignment(SlabFlags.HwcacheAlign, 8, 24));
        // kmalloc-96 is aligned to 32, kmalloc-192 to 64.
        Assert.Equal(32, KmemCache.CalculateAlignment(SlabFlags.Kmalloc, 8, 96));
        Assert.Equal(64, KmemCache.CalculateAlignment(SlabFlags.Kmalloc, 8, 192));
    }

    [Fact]
    public void SlabsComeFromTheBuddyAllocator()
    {
        // vm_area_struct: 21 objects of 192 bytes in an order-0 slab.
        //   slab A: [0][1]...[20]   slab B: [21]
        // Freeing object 21 empties slab B, but fewer than min_partial (5) slabs are partial,
        // so SLUB keeps it; task_struct slabs are order 3 (8 pages, 5 objects).
        PhysMem mem = new(PhysMemConfig.OfSize(64UL << 20));
        SlabCaches caches = SlabCaches.CreateStandard(mem);
        KmemCache vma = caches.VmAreaStruct!;
        long free0 = mem.FreePages;
        var objs = new long[22];
        for (int i = 0; i < 22; i++)
        {
            objs[i] = vma.Alloc();
        }
        Assert.Equal(objs[0] + 192, objs[1]);
        Assert.Equal((22L, 42L, 2L), (vma.ActiveObjs, vma.NumObjs, vma.NumSlabs));
        Assert.Equal(free0 - 2, mem.FreePages);
        vma.Free(objs[21]);
        Assert.Equal((21L, 42L, 2L), (vma.ActiveObjs, vma.NumObjs, vma.NumSlabs));
        Assert.Equal(objs[21], vma.Alloc());

        KmemCache task = caches.TaskStruct!;
        long t = task.Alloc();
        Assert.Equal(free0 - 10, mem.FreePages);
        Assert.Equal(PageFlags.Slab, mem.Frame((int)(t >> 12)).Flags & PageFlags.Slab);
        Assert.Equal(0, (t >> 12) & 7);
        Assert.Throws<ModelBugException>(() => task.Free(t + 8));

        var sb = new StringBuilder();
        SlabInfo.AppendLine(sb, SlabInfo.Row(vma));
        SlabInfo.AppendLine(sb, SlabInfo.Row(task));
        Assert.Equal(
            "vm_area_struct        22     42    192   21    1 : tunables    0    0    0 : slabdata      2      2      0\n" +
            "task_struct            1      5   5888    5    8 : tunables    0    0    0 : slabdata      1      1      0\n",
            sb.ToString());
    }

    [Fact]
    public void SlabInfoListsNewestFirst()
    {
        // slab_caches gets new caches at its head: the process caches first, then kmalloc-8k ..
        // kmalloc-8, then kmalloc-192 and kmalloc-96 (created first), as on the real machine.
        SlabCaches caches = SlabCaches.CreateStandard(new PhysMem(PhysMemConfig.OfSize(64UL << 20)));
        caches.Kmalloc(100)!.Alloc();
        string[] lines = SlabInfo.Format(caches).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20, lines.Length);
        Assert.StartsWith("anon_vma_chain         0      0     64   64    1 :", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("kmalloc-8k             0      0   8192    4    8 :", lines[7], StringComparison.Ordinal);
        Assert.Equal("kmalloc-128            1     32    128   32    1 : tunables    0    0    0 : slabdata      1      1      0", lines[13]);
        Assert.StartsWith("kmalloc-96 ", lines[^1], StringComparison.Ordinal);
        Assert.Null(caches.Kmalloc(8193));
        Assert.Equal("kmalloc-8", caches.Kmalloc(1)!.Name);
    }

    [Fact]
    public void EmptySlabsBeyondMinPartialGoBack()
    {
        PhysMem mem = new(PhysMemConfig.OfSize(64UL << 20));
        KmemCache c = SlabCaches.CreateStandard(mem).TaskStruct!;
        long free0 = mem.FreePages;
        var objs = new List<long>();
        for (int i = 0; i < 8 * 5; i++)
        {
            objs.Add(c.Alloc());
        }
        Assert.Equal(8, c.NumSlabs);
        // task_struct: min_partial = ilog2(5888) / 2 = 6. Emptying the 8 full slabs one by one puts
        // each on the partial list; the 7th and 8th find more than 6 partial slabs and are freed.
        foreach (long o in objs)
        {
            c.Free(o);
        }
        Assert.Equal(0, c.ActiveObjs);
        Assert.Equal(6, c.MinPartialSlabs);
        Assert.Equal(6, c.NumSlabs);
        Assert.Equal(free0 - (6 * 8), mem.FreePages);
    }

    [Fact]
    public void SlabInfoOfTheMachineByteForByte()
    {
        // Every line of the reference machine's /proc/slabinfo, parsed and printed again.
        string real = File.ReadAllText(ProcFixtures.Machine("slabinfo"));
        var sb = new StringBuilder(SlabInfo.Header);
        string[] lines = real.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(SlabInfo.Header, lines[0] + "\n" + lines[1] + "\n");
        foreach (string line in lines.Skip(2))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            SlabInfo.AppendLine(sb, new SlabInfoRow(
                f[0], long.Parse(f[1]), long.Parse(f[2]), int.Parse(f[3]), int.Parse(f[4]), int.Parse(f[5]),
                long.Parse(f[13]), long.Parse(f[14])));
        }
        Assert.Equal(real, sb.ToString());
        Assert.True(lines.Length > 100);
    }
}
