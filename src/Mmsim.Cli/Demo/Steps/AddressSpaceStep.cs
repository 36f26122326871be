using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The process address space and its memory areas: a process (gonzo) with one area of each kind
/// the first seed lists, and the size of what it may address against what it has.
/// </summary>
internal sealed class AddressSpaceStep : DemoStep
{
    public override string Id => "address-space";

    public override string Title => "The process address space and its memory areas";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "Linux uses the virtual memory technology to allow the system to run multiple memories simultaneously, and the address space of each process is the size of the entire physical memory."),
        new(Seed.Series4, "The process address space is composed of the virtual memory that the process can address. [...] Although the virtual address addressing area of a process can reach 4 GB, it does not mean that the process can have access to 4 GB. We usually call the address space that the process has the permission to access as the memory area."),
        new(Seed.Luodw, LuodwText.L14, "each VMA is one run of contiguous virtual addresses that never overlap another; a vm_area_struct holds its start and end, flags (access rights and behaviour) and vm_file (the file mapped, or none: anonymous); each segment in the figure corresponds to one vm_area_struct"),
        new(Seed.Series4, "The memory area can contain, code segment, data segment, bss segment, process user space stack, any memory ing file, any shared memory segment, and any anonymous memory segment."),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "The address space is not the size of physical memory: it is virtual, the same for every process whatever the RAM (this machine has 128 MiB), and only the pages a process touches take frames.",
        "4 GB is the 32-bit figure. On x86-64 with 4-level paging a process may address TASK_SIZE = 0x7ffffffff000 bytes (128 TiB less one page); the upper half of the 48-bit space belongs to the kernel, and the addresses between are not canonical. With 5-level paging (LA57) user space can reach 64 PiB, but only for mmap hints above 128 TiB.",
        "A shared anonymous mapping is a shmem file too: /proc/PID/maps names it /dev/zero (deleted); SysV shm segments appear as SYSV<key>.",
    ];

    public override PictureKind Picture => PictureKind.Layout;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = DemoKit.ExecGonzo(k, 100);
        MmStruct mm = t.Mm!;
        DemoKit.MapLibcAndAnon(mm);
        DemoKit.GrowHeap(k, t, 0x21000);
        var notes = new OpenFile(new Inode(254, 0, 5151, "/home/gonzo/notes.txt", 0x3000, InodeKind.Regular), FMode.Read);
        DemoKit.Checked(mm.Mmap(0, 0x3000, Prot.Read, MapFlags.Private, notes, 0), "mmap(notes.txt)");
        ulong shared = DemoKit.Checked(mm.Mmap(0, 0x4000, Prot.Read | Prot.Write, MapFlags.Shared | MapFlags.Anonymous, null, 0), "mmap(shared)");
        k.Validate();

        o.WriteLine("  gonzo (pid 100) exec'd, its C library, a malloc arena, a heap of 132 KiB, a file and a");
        o.WriteLine("  shared area mapped. /proc/100/maps, with what each area is:");
        o.WriteLine();
        DemoKit.PrintMaps(mm, o);
        ulong taskSize = mm.TaskSize;
        ulong vsz = Page.Bytes(mm.TotalVm);
        o.WriteLine();
        o.WriteLine($"  addressable (TASK_SIZE):   0x{taskSize:x} bytes = {(taskSize + Page.Size) >> 40} TiB less 4 KiB");
        o.WriteLine($"  in memory areas (VmSize):  {vsz >> 10} KiB in {mm.MapCount} areas; every other address is a segfault");
        o.WriteLine($"  physical memory (RAM):     {DemoKit.RamBytes >> 20} MiB, of which this process uses {mm.Paging!.Rss * 4} KiB (RSS)");
        o.WriteLine($"  kernel half:               0xffff800000000000 and up (not accessible from user mode)");
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = shared;
        scene.Figures["task_size"] = (long)taskSize;
        scene.Figures["map_count"] = mm.MapCount;
        scene.Figures["vsz_kib"] = (long)(vsz >> 10);
    }
}
