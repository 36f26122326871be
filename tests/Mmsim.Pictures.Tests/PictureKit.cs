using System.Buffers.Binary;
using System.Diagnostics;
using System.Xml.Linq;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Phys;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Pictures.Tests;

/// <summary>
/// The small machine the picture tests draw: 64 MiB of RAM and one process "gonzo" laid out as
/// a textbook draws it (the seed's five-page heap with three pages present, RSS 12 KiB of 20 KiB):
/// <code>
///   0x7ffffffde000-0x7ffffffff000  [stack]   rw-p  33 pages, start_stack 0x7fffffffe5d0, top page written
///                  ... gap ...
///   0x7ffff7ffd000-0x7ffff7fff000  [vdso]    r-xp   2 pages      (mmap_base 0x7ffff7fff000 just above)
///   0x7ffff7ff0000-0x7ffff7ff4000  anon      rw-p   4 pages
///                  ... gap ...
///   0x00408000-0x0040d000          [heap]    rw-p   5 pages: P P . P .   (start_brk 0x408000, brk 0x40d000)
///                  ... gap of 2 pages (brk start randomisation would put one here) ...
///   0x00404000-0x00406000          bss       rw-p   2 pages
///   0x00403000-0x00404000          /bin/gonzo rw-p  data
///   0x00402000-0x00403000          /bin/gonzo r--p  rodata
///   0x00400000-0x00402000          /bin/gonzo r-xp  text
/// </code>
/// </summary>
internal static class PictureKit
{
    public const ulong HeapStart = 0x408000;
    public const ulong HeapEnd = 0x40d000;
    public const ulong AnonStart = 0x7ffff7ff0000;
    public const ulong StackEnd = 0x7ffffffff000;
    public const ulong StackStart = 0x7ffffffde000;

    public static (Kernel K, Task T) Gonzo()
    {
        var k = new Kernel(MmConfig.Default, PhysMemConfig.OfSize(64UL << 20));
        Task t = k.CreateInitTask(42);
        t.Comm = "gonzo";
        MmStruct mm = t.Mm!;
        mm.MmapBase = 0x7ffff7fff000;
        var exe = new OpenFile(new Inode(8, 1, 1234, "/bin/gonzo", 0x4000, InodeKind.Regular), FMode.Read);
        const int fixedPriv = MapFlags.Private | MapFlags.Fixed;
        const int anon = fixedPriv | MapFlags.Anonymous;
        Ok(mm.Mmap(0x400000, 0x2000, Prot.Read | Prot.Exec, fixedPriv, exe, 0));
        Ok(mm.Mmap(0x402000, 0x1000, Prot.Read, fixedPriv, exe, 0x2000));
        Ok(mm.Mmap(0x403000, 0x1000, Prot.Read | Prot.Write, fixedPriv, exe, 0x3000));
        Ok(mm.Mmap(0x404000, 0x2000, Prot.Read | Prot.Write, anon, null, 0));
        (mm.StartCode, mm.EndCode, mm.StartData, mm.EndData) = (0x400000, 0x402000, 0x403000, 0x404000);
        (mm.StartBrk, mm.Brk) = (HeapStart, HeapStart);
        Assert.Equal((long)HeapEnd, mm.SysBrk(HeapEnd));
        Ok(mm.Mmap(AnonStart, 0x4000, Prot.Read | Prot.Write, anon, null, 0));
        mm.InstallSpecialMapping(0x7ffff7ffd000, 0x2000, VmFlags.Read | VmFlags.Exec | VmFlags.MayRead | VmFlags.MayExec, "[vdso]");
        Ok(mm.Mmap(StackStart, StackEnd - StackStart, Prot.Read | Prot.Write, anon | MapFlags.GrowsDown, null, 0));
        mm.StartStack = 0x7fffffffe5d0;
        foreach (int page in (int[])[0, 1, 3])
        {
            Assert.Equal(FaultResult.Ok, k.Access(t, HeapStart + ((ulong)page * Page.Size) + 0x10, AccessKind.Write));
        }
        Assert.Equal(FaultResult.Ok, k.Access(t, StackEnd - 0x100, AccessKind.Write));
        k.Validate();
        return (k, t);
    }

    /// <summary>A machine in another paging mode with one anonymous page at <paramref name="addr"/>, not yet touched.</summary>
    public static (Kernel K, Task T) OnePage(PagingMode mode, ulong addr)
    {
        var k = new Kernel(MmConfig.ForMode(mode), PhysMemConfig.OfSize(64UL << 20));
        Task t = k.CreateInitTask(7);
        t.Comm = "walker";
        MmStruct mm = t.Mm!;
        mm.MmapBase = mode is PagingMode.TwoLevel or PagingMode.Pae ? 0xb7fff000UL : 0x7ffff7fff000;
        Ok(mm.Mmap(addr, 0x1000, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed | MapFlags.Anonymous, null, 0));
        return (k, t);
    }

    private static void Ok(long r) => Assert.True(r >= 0, $"syscall failed: {r}");

    /// <summary>Parses the SVG as XML (throws when it is not well-formed) and returns its root.</summary>
    public static XElement Parse(string svg)
    {
        XElement root = XElement.Parse(svg);
        Assert.Equal("{http://www.w3.org/2000/svg}svg", root.Name.ToString());
        return root;
    }

    /// <summary>Every text element's content, in document order.</summary>
    public static List<string> Texts(XElement root) =>
        root.Descendants("{http://www.w3.org/2000/svg}text").Select(e => e.Value).ToList();

    /// <summary>True when some text contains <paramref name="part"/>.</summary>
    public static bool HasText(XElement root, string part) => Texts(root).Any(t => t.Contains(part, StringComparison.Ordinal));

    /// <summary>
    /// Renders the SVG to PNG with rsvg-convert (librsvg2-bin; .ci/run installs it) and returns the
    /// PNG's width, height (from its IHDR) and file size. The PNG is kept in MMSIM_PNG_DIR when that
    /// is set (to look at), else in a temporary directory removed afterwards.
    /// </summary>
    public static (int Width, int Height, long Bytes) RenderPng(string svg, string name)
    {
        string? keep = Environment.GetEnvironmentVariable("MMSIM_PNG_DIR");
        string dir = keep ?? Path.Combine(Path.GetTempPath(), $"mmsim-png-{Environment.ProcessId}-{name}");
        Directory.CreateDirectory(dir);
        string svgPath = Path.Combine(dir, name + ".svg");
        string pngPath = Path.Combine(dir, name + ".png");
        try
        {
            File.WriteAllText(svgPath, svg);
            var psi = new ProcessStartInfo("rsvg-convert", ["-o", pngPath, svgPath])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)
                ?? throw new InvalidOperationException("rsvg-convert did not start (apt-get install librsvg2-bin)");
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"rsvg-convert failed: {err}");
            byte[] png = File.ReadAllBytes(pngPath);
            Assert.True(png.Length > 24 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "not a PNG");
            int w = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
            int h = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
            return (w, h, png.Length);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("rsvg-convert not found: apt-get install librsvg2-bin (.ci/run does)", e);
        }
        finally
        {
            if (keep is null && Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
