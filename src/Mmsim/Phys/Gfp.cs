namespace Mmsim.Phys;

/// <summary>The gfp_t bits the allocator model honours.</summary>
[Flags]
public enum Gfp : uint
{
    /// <summary>GFP_KERNEL / GFP_HIGHUSER: any zone up to Normal.</summary>
    None = 0,

    /// <summary>__GFP_DMA: only ZONE_DMA.</summary>
    Dma = 1u << 0,

    /// <summary>__GFP_DMA32: ZONE_DMA32 and below.</summary>
    Dma32 = 1u << 1,

    /// <summary>__GFP_COMP: a higher-order allocation becomes a compound page (PG_head).</summary>
    Comp = 1u << 2,

    /// <summary>__GFP_ZERO: the frame is handed out zeroed (the model keeps no contents).</summary>
    Zero = 1u << 3,

    /// <summary>ALLOC_NO_WATERMARKS (as for PF_MEMALLOC): ignore the min watermark.</summary>
    NoWatermarks = 1u << 4,
}

/// <summary>The zone types of x86-64 (ZONE_MOVABLE and ZONE_DEVICE are not modelled).</summary>
public enum ZoneType
{
    Dma = 0,
    Dma32 = 1,
    Normal = 2,
}
