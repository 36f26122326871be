using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The VMA list and the tree side by side, and find_vma() / find_vma_prev() answering for chosen
/// addresses (inside an area, in a hole, below everything, above everything).
/// </summary>
internal sealed class VmaTreeStep : DemoStep
{
    public override string Id => "vma-tree";

    public override string Title => "The VMA list and the tree side by side; find_vma and find_vma_prev";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "Both the Mmap and mm_rb data structures represent virtual memory area objects, but mmap stores them in the form of a linked list for element traversal, and mm_rb stores them in the form of a red/black tree for element search."),
        new(Seed.Luodw, LuodwText.L17, "these vm_area_structs are kept in a singly linked list and a red-black tree in the mm_struct; printing /proc/pid/maps just walks the list; the tree, rooted at mm_rb, finds an area quickly"),
        new(Seed.Series4, "vm_start points to the first address of the interval, and vm_end points to the next address of the end address of the interval. Each mm_struct corresponds to a unique vm_area_struct."),
        new(Seed.Series4, "The vm_flags field indicates the permissions in the current memory area. Common flags include VM_READ, VM_WRITE, and VM_EXEC, which indicate the read, write, and execute permissions on pages in the memory area. VM_SHARD indicates whether the ing in the memory area can be shared among multiple processes."),
        new(Seed.Series4, "The vm_ops field represents the related operation function tables in the memory area. General operations include adding the process memory area, deleting the process memory area, and page troubleshooting."),
        new(Seed.Series4, "The kernel provides the find_vmal () function to locate the memory region of the given memory address. [...] Search the specified address space for the first memory region where vm_end is greater than addr. If this region does not exist, null is returned. Otherwise, the returned vm_area_struct pointer is cached in the mmap_cache domain in the recently used memory region. Similarly, the kernel function find_vma_prev () is used to return the previous memory area of the given address."),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "An mm_struct has many vm_area_structs, not one: map_count of them (here 14; the real sleep of the next steps has 36), up to vm.max_map_count (65530). It is each VMA that belongs to exactly one mm (its vm_mm). The flag is VM_SHARED; vm_flags also holds VM_MAY* (what mprotect may grant later), VM_GROWSDOWN, VM_ACCOUNT, VM_LOCKED, VM_SOFTDIRTY and more.",
        "vm_ops (struct vm_operations_struct) has open and close (called when an area is duplicated, split or removed), fault and map_pages (page faults), page_mkwrite, mremap, name and more. The model keeps no vm_ops: anonymous, file, shmem and special mappings are told apart by vm_file and the special name.",
        "Since Linux 6.1 there is neither mm->mmap (the list, with vm_next/vm_prev) nor mm->mm_rb: both were replaced by one maple tree, mm->mm_mt, a B-tree of ranges whose nodes hold up to 16 entries (10 in the internal nodes that track gaps). The holes are stored too, as NULL ranges, so the largest free gap under a node is known without a walk. /proc/PID/maps iterates the tree (the VMA iterator, for_each_vma()).",
        "find_vma() is as described (the first VMA with vm_end > addr) but there is no cache any more: mmap_cache became the per-thread vmacache in 3.15, which was removed with the maple tree in 6.1. find_vma_prev() returns the result and stores the area before it in *pprev.",
        "The model keeps the same index as an AVL tree threaded with a list (below, left): the shapes differ from the maple tree's, the answers do not.",
    ];

    public override PictureKind Picture => PictureKind.Layout;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = DemoKit.ExecGonzo(k, 100);
        MmStruct mm = t.Mm!;
        DemoKit.MapLibcAndAnon(mm);
        DemoKit.GrowHeap(k, t, 0x21000);
        k.Validate();
        var index = new Dictionary<Vma, int>();
        foreach (Vma v in mm.Vmas)
        {
            index[v] = index.Count;
        }
        var list = new List<string>();
        foreach (Vma v in mm.Vmas)
        {
            list.Add($"#{index[v],-2} {v.Start:x12}-{v.End:x12} {ProcMaps.Name(mm, v) ?? ""}");
        }
        var tree = new List<string>();
        DrawTree(mm.Vmas.Root, "", tree, index);
        o.WriteLine("  the list, in address order (what /proc/PID/maps walks)     the tree (root at the left, higher addresses up)");
        for (int i = 0; i < Math.Max(list.Count, tree.Count); i++)
        {
            string l = i < list.Count ? list[i] : "";
            string r = i < tree.Count ? tree[i] : "";
            o.WriteLine($"  {(l.Length > 58 ? l[..58] : l),-58}   {r}");
        }
        o.WriteLine();
        o.WriteLine("  The same ranges as Linux 6.18's maple tree holds them (holes are NULL entries):");
        ulong at = 0;
        var slots = new List<string>();
        foreach (Vma v in mm.Vmas)
        {
            if (v.Start > at)
            {
                slots.Add($"[{at:x}, {v.Start - 1:x}] NULL");
            }
            slots.Add($"[{v.Start:x}, {v.End - 1:x}] #{index[v]}");
            at = v.End;
        }
        slots.Add($"[{at:x}, ffffffffffffffff] NULL");
        for (int i = 0; i < slots.Count; i += 3)
        {
            o.WriteLine("    " + string.Join("   ", slots.Skip(i).Take(3)));
        }
        o.WriteLine($"  {slots.Count} entries: too many for one 16-slot leaf, so the maple tree has a root over a few leaves.");
        o.WriteLine();

        Vma heap = mm.Vmas.Find(mm.StartBrk)!;
        o.WriteLine($"  One of them, #{index[heap]} (the heap), as a struct vm_area_struct (the fields the model keeps):");
        o.WriteLine($"    vm_start  = 0x{heap.Start:x}           first address inside");
        o.WriteLine($"    vm_end    = 0x{heap.End:x}           first address after: [vm_start, vm_end), {heap.Length >> 10} KiB");
        o.WriteLine($"    vm_flags  = {DemoKit.FlagNames(heap.Flags)}");
        o.WriteLine($"    vm_pgoff  = 0x{heap.PgOff:x}               (anonymous: vm_start >> 12 when created)");
        o.WriteLine($"    vm_file   = {(heap.File is null ? "NULL (anonymous)" : heap.File.Inode.Path)}");
        o.WriteLine($"    anon_vma  = {(heap.AnonVma is null ? "NULL" : "set (a page was written: reverse map for its anonymous pages)")}");
        o.WriteLine($"    vm_mm     = gonzo's mm_struct, which holds map_count = {mm.MapCount} VMAs, not one");
        o.WriteLine();
        ulong[] probes = [0x100, DemoKit.GonzoText + 0x1234, heap.End + 0x1000, mm.TaskSize];
        string[] why = ["below every area", "inside the text", "in the hole above the heap", "TASK_SIZE, above every area"];
        for (int i = 0; i < probes.Length; i++)
        {
            ulong a = probes[i];
            Vma? found = mm.Vmas.FindPrev(a, out Vma? prev);
            string f = found is null ? "NULL" : $"#{index[found]} {found.Start:x}-{found.End:x}";
            string p = prev is null ? "NULL" : $"#{index[prev]}";
            o.WriteLine($"  find_vma(0x{a:x}) = {f,-30} find_vma_prev: prev = {p,-5} ({why[i]})");
            scene.Figures[$"find_vma.{i}"] = found is null ? 0 : (long)found.Start;
            scene.Figures[$"find_vma_prev.{i}"] = prev is null ? 0 : (long)prev.Start;
        }
        o.WriteLine("  (an address in a hole finds the area above it: find_vma answers \"the first area ending above\",");
        o.WriteLine("   so a caller must still check vm_start <= addr, as vma_lookup() does)");
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = heap.End + 0x1000;
        scene.Figures["map_count"] = mm.MapCount;
    }

    /// <summary>The tree sideways: the right (higher) subtree above a node, the left one below, one level per indent.</summary>
    private static void DrawTree(Vma? node, string indent, List<string> lines, Dictionary<Vma, int> index)
    {
        if (node is null)
        {
            return;
        }
        DrawTree(VmaTree.RightOf(node), indent + "      ", lines, index);
        lines.Add($"{indent}#{index[node]} {node.Start:x}");
        DrawTree(VmaTree.LeftOf(node), indent + "      ", lines, index);
    }
}
