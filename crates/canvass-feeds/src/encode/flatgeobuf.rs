//! FlatGeobuf (`application/flatgeobuf`): typed columns, the CRS in the header, and for a
//! whole collection the packed Hilbert R-tree that lets GDAL and QGIS read a box of it without
//! reading it all.
//!
//! The file's pieces are the `flatgeobuf` crate's: its FlatBuffers schema (header, columns,
//! CRS, features) and its R-tree node layout. Its own `FgbWriter` is not used because of what
//! it holds in memory: a 40-byte node and a 16-byte offset per feature while writing, then a
//! copy of the nodes and the whole tree at the end, about 140 MB for a million cameras. Here
//! a streamed file (a page) holds one feature at a time and says its feature count is
//! unknown (0), as the format allows and GDAL itself writes; an indexed file spools the
//! encoded features to an unnamed temporary file and keeps 32 bytes per feature (its
//! position, where it was spooled and its Hilbert key), then writes the header, the tree
//! (upper levels built from the sorted positions, a few per cent of the leaves) and the
//! features in tree order.
//!
//! Coordinates are x, y (longitude or easting first) whatever the CRS's authority says, as
//! FlatGeobuf readers expect. Columns: `id` Long, whole numbers Int, measures Double, words
//! and views (joined with `;`) String, days and instants DateTime (ISO 8601 text, which GDAL
//! reads as date-times).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

use ::flatgeobuf::packed_r_tree::{NodeItem, PackedRTree};
use ::flatgeobuf::{
    Column, ColumnArgs, ColumnType, Crs as CrsTable, CrsArgs, Feature, FeatureArgs, Geometry,
    GeometryArgs, GeometryType, Header, HeaderArgs, VERSION,
};
use flatbuffers::FlatBufferBuilder;

use super::{EncodeError, FeatureSink, Field, Output, PageInfo, WRITE_BLOCK};
use crate::crs::{Crs, Transform};
use crate::feature::CameraFeature;
use crate::queryables::{Property, PropertyType};

const FORMAT: &str = "FlatGeobuf";
const MAGIC: [u8; 8] = [b'f', b'g', b'b', VERSION, b'f', b'g', b'b', 0];
/// Children per R-tree node (the format's usual value, which readers take from the header).
const NODE_SIZE: u16 = PackedRTree::DEFAULT_NODE_SIZE;
/// Hilbert curve resolution: 2^16 cells a side, as the format's own writers use.
const HILBERT_ORDER: u8 = 16;

/// One column of the file.
struct ColumnSpec {
    property: Property,
    kind: ColumnType,
}

/// What the header says besides the counts.
struct HeaderSpec {
    name: &'static str,
    columns: Vec<ColumnSpec>,
    crs_code: i32,
    crs_name: String,
    crs_wkt: String,
}

/// One feature of an indexed file while it waits in the spool: 32 bytes.
struct Leaf {
    x: f64,
    y: f64,
    spooled_at: u64,
    size: u32,
    hilbert: u32,
}

/// The features of an indexed file until the header and tree can be written.
struct Spool {
    file: BufWriter<File>,
    leaves: Vec<Leaf>,
    length: u64,
}

pub(super) struct FlatGeobufSink<W: Write> {
    out: BufWriter<W>,
    header: HeaderSpec,
    transform: Transform,
    builder: FlatBufferBuilder<'static>,
    properties: Vec<u8>,
    /// `Some` when the file gets an index.
    spool: Option<Spool>,
    written: u64,
}

impl<W: Write> FlatGeobufSink<W> {
    pub(super) fn new(
        output: &Output,
        indexed: bool,
        transform: Transform,
        writer: W,
    ) -> Result<FlatGeobufSink<W>, EncodeError> {
        // FlatGeobuf coordinates are always longitude first, so CRS84 is written as the EPSG
        // code every reader knows.
        let crs = match output.crs().epsg() {
            Some(_) => output.crs().clone(),
            None => Crs::from_epsg(4326).map_err(EncodeError::Crs)?,
        };
        let mut columns = vec![ColumnSpec {
            property: Property::Id,
            kind: ColumnType::Long,
        }];
        columns.extend(output.properties().iter().map(|&property| ColumnSpec {
            property,
            kind: column_type(property),
        }));
        let header = HeaderSpec {
            name: output.collection().id(),
            columns,
            crs_code: crs
                .epsg()
                .and_then(|code| i32::try_from(code).ok())
                .unwrap_or(0),
            crs_name: crs.name().to_owned(),
            crs_wkt: crs.wkt().map_err(EncodeError::Crs)?,
        };
        let mut out = BufWriter::with_capacity(WRITE_BLOCK, writer);
        let spool = if indexed {
            let file = tempfile::tempfile().map_err(EncodeError::write(FORMAT))?;
            Some(Spool {
                file: BufWriter::with_capacity(WRITE_BLOCK, file),
                leaves: Vec::new(),
                length: 0,
            })
        } else {
            out.write_all(&MAGIC).map_err(EncodeError::write(FORMAT))?;
            out.write_all(&header_bytes(&header, 0, None, 0))
                .map_err(EncodeError::write(FORMAT))?;
            None
        };
        Ok(FlatGeobufSink {
            out,
            header,
            transform,
            builder: FlatBufferBuilder::new(),
            properties: Vec::new(),
            spool,
            written: 0,
        })
    }

    /// The feature's properties in the format's encoding: for each value that is not null, its
    /// column index (u16) and the value, little-endian; text as a u32 length and UTF-8.
    fn encode_properties(&mut self, feature: &CameraFeature) -> Result<(), EncodeError> {
        self.properties.clear();
        for (index, column) in self.header.columns.iter().enumerate() {
            let field = Field::of(feature, column.property);
            if field == Field::Null {
                continue;
            }
            let misfit = || EncodeError::Value {
                id: feature.id,
                property: column.property,
            };
            let index = u16::try_from(index).map_err(|_| misfit())?;
            self.properties.extend(index.to_le_bytes());
            match (column.kind, &field) {
                (ColumnType::Long, Field::Integer(v)) => self.properties.extend(v.to_le_bytes()),
                (ColumnType::Int, Field::Integer(v)) => {
                    let v = i32::try_from(*v).map_err(|_| misfit())?;
                    self.properties.extend(v.to_le_bytes());
                }
                (ColumnType::Double, Field::Number(v)) => self.properties.extend(v.to_le_bytes()),
                (ColumnType::String | ColumnType::DateTime, _) => {
                    let text = field.text().unwrap_or_default();
                    let length = u32::try_from(text.len()).map_err(|_| misfit())?;
                    self.properties.extend(length.to_le_bytes());
                    self.properties.extend(text.as_bytes());
                }
                _ => return Err(misfit()),
            }
        }
        Ok(())
    }
}

impl<W: Write> FeatureSink for FlatGeobufSink<W> {
    fn feature(&mut self, feature: &CameraFeature) -> Result<(), EncodeError> {
        let [x, y] = self
            .transform
            .apply(feature.at)
            .map_err(|source| EncodeError::Position {
                id: feature.id,
                source,
            })?;
        self.encode_properties(feature)?;
        let encoded = encode_feature(&mut self.builder, &self.properties, x, y);
        match &mut self.spool {
            None => self
                .out
                .write_all(encoded)
                .map_err(EncodeError::write(FORMAT))?,
            Some(spool) => spool.push(x, y, encoded)?,
        }
        self.written += 1;
        Ok(())
    }

    fn finish(self: Box<Self>, _page: &PageInfo) -> Result<u64, EncodeError> {
        let FlatGeobufSink {
            mut out,
            header,
            spool,
            written,
            ..
        } = *self;
        if let Some(spool) = spool {
            spool.write_indexed(&header, &mut out)?;
        }
        out.flush().map_err(EncodeError::write(FORMAT))?;
        Ok(written)
    }
}

impl Spool {
    fn push(&mut self, x: f64, y: f64, encoded: &[u8]) -> Result<(), EncodeError> {
        let size = u32::try_from(encoded.len()).map_err(|_| {
            EncodeError::write(FORMAT)(std::io::Error::other("a feature larger than 4 GiB"))
        })?;
        self.file
            .write_all(encoded)
            .map_err(EncodeError::write(FORMAT))?;
        self.leaves.push(Leaf {
            x,
            y,
            spooled_at: self.length,
            size,
            hilbert: 0,
        });
        self.length += u64::from(size);
        Ok(())
    }

    /// The whole indexed file: magic, header, R-tree, features in tree order.
    fn write_indexed(self, header: &HeaderSpec, out: &mut impl Write) -> Result<(), EncodeError> {
        let failed = EncodeError::write(FORMAT);
        let Spool {
            file, mut leaves, ..
        } = self;
        let file = file.into_inner().map_err(|e| failed(e.into_error()))?;
        out.write_all(&MAGIC).map_err(EncodeError::write(FORMAT))?;
        if leaves.is_empty() {
            // A tree needs at least one feature; an empty file has none, like GDAL's.
            return out
                .write_all(&header_bytes(header, 0, None, 0))
                .map_err(EncodeError::write(FORMAT));
        }
        let extent = leaves.iter().fold(NodeItem::create(0), |mut extent, leaf| {
            extent.expand_xy(leaf.x, leaf.y);
            extent
        });
        for leaf in &mut leaves {
            leaf.hilbert = hilbert_key(leaf, &extent);
        }
        leaves.sort_unstable_by_key(|leaf| leaf.hilbert);

        let count = leaves.len() as u64;
        let envelope = [extent.min_x, extent.min_y, extent.max_x, extent.max_y];
        out.write_all(&header_bytes(header, count, Some(envelope), NODE_SIZE))
            .map_err(EncodeError::write(FORMAT))?;
        write_tree(&leaves, out).map_err(EncodeError::write(FORMAT))?;

        let mut buffer = Vec::new();
        for leaf in &leaves {
            buffer.resize(leaf.size as usize, 0);
            file.read_exact_at(&mut buffer, leaf.spooled_at)
                .map_err(EncodeError::write(FORMAT))?;
            out.write_all(&buffer).map_err(EncodeError::write(FORMAT))?;
        }
        Ok(())
    }
}

/// A feature as a size-prefixed FlatBuffer, built in `fbb`.
fn encode_feature<'b>(
    fbb: &'b mut FlatBufferBuilder<'static>,
    properties: &[u8],
    x: f64,
    y: f64,
) -> &'b [u8] {
    fbb.reset();
    let xy = fbb.create_vector(&[x, y]);
    let geometry = Geometry::create(
        fbb,
        &GeometryArgs {
            xy: Some(xy),
            ..Default::default()
        },
    );
    let properties = fbb.create_vector(properties);
    let feature = Feature::create(
        fbb,
        &FeatureArgs {
            geometry: Some(geometry),
            properties: Some(properties),
            columns: None,
        },
    );
    fbb.finish_size_prefixed(feature, None);
    fbb.finished_data()
}

/// The packed R-tree over the sorted leaves, in the format's layout: levels from the root
/// down, each node's box and, for an inner node, the index of its first child among all
/// nodes; for a leaf, its feature's byte offset in the feature section.
fn write_tree(leaves: &[Leaf], out: &mut impl Write) -> std::io::Result<()> {
    let fan_out = usize::from(NODE_SIZE);
    // Levels above the leaves, bottom up; the format has at least one even over one leaf.
    let mut levels: Vec<Vec<NodeItem>> = Vec::new();
    let mut below: Vec<NodeItem> = leaves
        .chunks(fan_out)
        .map(|chunk| {
            chunk.iter().fold(NodeItem::create(0), |mut node, leaf| {
                node.expand_xy(leaf.x, leaf.y);
                node
            })
        })
        .collect();
    loop {
        let done = below.len() == 1;
        let next: Vec<NodeItem> = below
            .chunks(fan_out)
            .map(|chunk| {
                chunk.iter().fold(NodeItem::create(0), |mut node, child| {
                    node.expand(child);
                    node
                })
            })
            .collect();
        levels.push(below);
        if done {
            break;
        }
        below = next;
    }
    // Where each level starts among all nodes (the root is node 0, the leaves come last).
    let mut sizes: Vec<usize> = vec![leaves.len()];
    sizes.extend(levels.iter().map(Vec::len));
    let start = |level: usize| sizes[level + 1..].iter().sum::<usize>();
    for (above_leaves, nodes) in levels.iter_mut().enumerate().rev() {
        let level = above_leaves + 1;
        let children = start(level - 1);
        for (i, node) in nodes.iter_mut().enumerate() {
            node.offset = (children + i * fan_out) as u64;
            node.write(out)?;
        }
    }
    let mut offset = 0u64;
    for leaf in leaves {
        NodeItem {
            min_x: leaf.x,
            min_y: leaf.y,
            max_x: leaf.x,
            max_y: leaf.y,
            offset,
        }
        .write(out)?;
        offset += u64::from(leaf.size);
    }
    Ok(())
}

/// The leaf's place on a Hilbert curve over the extent, which orders the features so that
/// near ones share tree nodes.
fn hilbert_key(leaf: &Leaf, extent: &NodeItem) -> u32 {
    let cells = f64::from((1u32 << HILBERT_ORDER) - 1);
    let cell = |value: f64, min: f64, span: f64| {
        if span > 0.0 {
            ((value - min) / span * cells).floor() as u32
        } else {
            0
        }
    };
    let x = cell(leaf.x, extent.min_x, extent.max_x - extent.min_x);
    let y = cell(leaf.y, extent.min_y, extent.max_y - extent.min_y);
    // Order 16 keys fit in 32 bits.
    fast_hilbert::xy2h(x, y, HILBERT_ORDER) as u32
}

/// The type of a property's column.
fn column_type(property: Property) -> ColumnType {
    match property.value_type() {
        PropertyType::Integer => ColumnType::Int,
        PropertyType::Number => ColumnType::Double,
        PropertyType::Text | PropertyType::Enum(_) | PropertyType::EnumList(_) => {
            ColumnType::String
        }
        PropertyType::Date | PropertyType::Timestamp => ColumnType::DateTime,
    }
}

/// The size-prefixed header FlatBuffer.
fn header_bytes(
    spec: &HeaderSpec,
    features_count: u64,
    envelope: Option<[f64; 4]>,
    index_node_size: u16,
) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let columns: Vec<_> = spec
        .columns
        .iter()
        .map(|column| {
            let name = fbb.create_string(column.property.name());
            let title = fbb.create_string(column.property.title());
            Column::create(
                &mut fbb,
                &ColumnArgs {
                    name: Some(name),
                    type_: column.kind,
                    title: Some(title),
                    nullable: column.property.nullable(),
                    primary_key: column.property == Property::Id,
                    unique: column.property == Property::Id,
                    ..Default::default()
                },
            )
        })
        .collect();
    let columns = fbb.create_vector(&columns);
    let crs = CrsArgs {
        org: Some(fbb.create_string("EPSG")),
        code: spec.crs_code,
        name: Some(fbb.create_string(&spec.crs_name)),
        wkt: Some(fbb.create_string(&spec.crs_wkt)),
        ..Default::default()
    };
    let crs = CrsTable::create(&mut fbb, &crs);
    let envelope = envelope.map(|e| fbb.create_vector(&e));
    let name = fbb.create_string(spec.name);
    let header = Header::create(
        &mut fbb,
        &HeaderArgs {
            name: Some(name),
            envelope,
            geometry_type: GeometryType::Point,
            columns: Some(columns),
            features_count,
            index_node_size,
            crs: Some(crs),
            ..Default::default()
        },
    );
    fbb.finish_size_prefixed(header, None);
    fbb.finished_data().to_vec()
}
