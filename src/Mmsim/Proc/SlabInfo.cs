using System.Text;
using Mmsim.Slab;

namespace Mmsim.Proc;

/// <summary>One line of /proc/slabinfo: what cache_show() (mm/slab_common.c) reads from the
/// cache's struct slabinfo. SLUB has no tunables nor shared arrays, so those print 0.</summary>
public readonly record struct SlabInfoRow(
    string Name,
    long ActiveObjs,
    long NumObjs,
    int ObjSize,
    int ObjPerSlab,
    int PagesPerSlab,
    long ActiveSlabs,
    long NumSlabs);

/// <summary>/proc/slabinfo, version 2.1, as slab_show() and cache_show() print it.</summary>
public static class SlabInfo
{
    /// <summary>The two header lines (print_slabinfo_header()).</summary>
    public const string Header =
        "slabinfo - version: 2.1\n" +
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>" +
        " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

    /// <summary>The whole file: the header, then every cache newest first.</summary>
    public static string Format(SlabCaches caches)
    {
        var sb = new StringBuilder(Header, 160 * (caches.Caches.Count + 2));
        for (int i = caches.Caches.Count - 1; i >= 0; i--)
        {
            AppendLine(sb, Row(caches.Caches[i]));
        }
        return sb.ToString();
    }

    /// <summary>get_slabinfo() for a SLUB cache: every slab is active.</summary>
    public static SlabInfoRow Row(KmemCache c) =>
        new(c.Name, c.ActiveObjs, c.NumObjs, c.Size, c.ObjsPerSlab, 1 << c.Order, c.NumSlabs, c.NumSlabs);

    /// <summary>Appends one cache line: "%-17s %6lu %6lu %6u %4u %4d", the tunables, the slabdata.</summary>
    public static void AppendLine(StringBuilder sb, in SlabInfoRow r)
    {
        sb.Append(r.Name);
        if (r.Name.Length < 17)
        {
            sb.Append(' ', 17 - r.Name.Length);
        }
        ProcText.Dec(sb.Append(' '), r.ActiveObjs, 6);
        ProcText.Dec(sb.Append(' '), r.NumObjs, 6);
        ProcText.Dec(sb.Append(' '), r.ObjSize, 6);
        ProcText.Dec(sb.Append(' '), r.ObjPerSlab, 4);
        ProcText.Dec(sb.Append(' '), r.PagesPerSlab, 4);
        sb.Append(" : tunables    0    0    0 : slabdata ");
        ProcText.Dec(sb, r.ActiveSlabs, 6);
        ProcText.Dec(sb.Append(' '), r.NumSlabs, 6);
        sb.Append("      0\n");
    }
}
