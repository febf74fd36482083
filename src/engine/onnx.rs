//! Read an ONNX file into a plain graph: nodes with their attributes, constant tensors, the input's
//! shape and the output names. Only the parts of the format a small convolutional network uses are
//! read; the rest is skipped. Nothing here plans or runs the graph (that is `plan.rs` and `run.rs`).
//!
//! The file is untrusted: every length is checked against what is left before it is used, nesting
//! is bounded, and element counts are bounded before anything is allocated.
//!
//! Field numbers are those of `onnx/onnx.proto` (ONNX 1.x): ModelProto.graph 7; GraphProto node 1,
//! initializer 5, input 11, output 12; NodeProto input 1, output 2, op_type 4, attribute 5;
//! AttributeProto name 1, f 2, i 3, s 4, t 5, floats 7, ints 8; TensorProto dims 1, data_type 2,
//! float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9; ValueInfoProto name 1, type 2;
//! TypeProto tensor_type 1; TypeProto.Tensor shape 2; TensorShapeProto dim 1; Dimension dim_value 1.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// Elements in one constant tensor, at most (the detectors' largest hold about 37,000).
const MAX_TENSOR_ELEMENTS: usize = 1 << 22;
/// Dimensions of a tensor, at most.
const MAX_RANK: usize = 8;

/// An attribute value this reader understands.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute {
    Int(i64),
    Ints(Vec<i64>),
    Float(f32),
    Floats(Vec<f32>),
    Tensor(Constant),
    /// A string (a mode's name), cut to 64 bytes; not valid UTF-8 reads as empty.
    Text(String),
    /// A kind this reader does not keep (graphs, lists of strings); an operator needing it refuses
    /// the model.
    Other,
}

/// A constant tensor: its shape and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Constant {
    pub dims: Vec<usize>,
    pub data: ConstantData,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConstantData {
    Float(Vec<f32>),
    Int(Vec<i64>),
}

impl Constant {
    pub fn floats(&self) -> Option<&[f32]> {
        match &self.data {
            ConstantData::Float(v) => Some(v),
            ConstantData::Int(_) => None,
        }
    }

    pub fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            ConstantData::Int(v) => Some(v),
            ConstantData::Float(_) => None,
        }
    }
}

/// One operator of the graph.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub op_type: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: HashMap<String, Attribute>,
}

impl Node {
    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        match self.attributes.get(name) {
            Some(Attribute::Ints(v)) => Some(v),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.attributes.get(name) {
            Some(Attribute::Int(v)) => Some(*v),
            _ => None,
        }
    }
}

/// The graph of an ONNX model, nodes in file order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub constants: HashMap<String, Constant>,
    /// Graph inputs that are not constants, with their dimensions (-1 where not fixed).
    pub inputs: Vec<(String, Vec<i64>)>,
    pub outputs: Vec<String>,
}

/// Parse an ONNX model file.
pub fn read(bytes: &[u8]) -> Result<Graph> {
    let mut graph = None;
    for field in Fields::new(bytes) {
        let field = field?;
        if field.number == 7 {
            graph = Some(read_graph(field.bytes()?)?);
        }
    }
    graph.ok_or_else(|| bad("it holds no graph"))
}

fn bad(what: &str) -> Error {
    Error::Model(format!("it is not a readable ONNX file ({what})"))
}

fn read_graph(bytes: &[u8]) -> Result<Graph> {
    let mut graph = Graph::default();
    let mut declared_inputs = Vec::new();
    for field in Fields::new(bytes) {
        let field = field?;
        match field.number {
            1 => graph.nodes.push(read_node(field.bytes()?)?),
            5 => {
                let (name, constant) = read_tensor(field.bytes()?)?;
                graph.constants.insert(name, constant);
            }
            11 => declared_inputs.push(read_value_info(field.bytes()?)?),
            12 => graph.outputs.push(read_value_info(field.bytes()?)?.0),
            _ => {}
        }
    }
    // Older exporters also list initializers as inputs; those are constants, not inputs.
    graph.inputs = declared_inputs
        .into_iter()
        .filter(|(name, _)| !graph.constants.contains_key(name))
        .collect();
    Ok(graph)
}

fn read_node(bytes: &[u8]) -> Result<Node> {
    let mut node = Node::default();
    for field in Fields::new(bytes) {
        let field = field?;
        match field.number {
            1 => node.inputs.push(field.string()?),
            2 => node.outputs.push(field.string()?),
            4 => node.op_type = field.string()?,
            5 => {
                let (name, value) = read_attribute(field.bytes()?)?;
                node.attributes.insert(name, value);
            }
            _ => {}
        }
    }
    Ok(node)
}

fn read_attribute(bytes: &[u8]) -> Result<(String, Attribute)> {
    let mut name = String::new();
    let mut value = Attribute::Other;
    let mut ints = Vec::new();
    let mut floats = Vec::new();
    for field in Fields::new(bytes) {
        let field = field?;
        match field.number {
            1 => name = field.string()?,
            2 => value = Attribute::Float(f32::from_bits(field.fixed32()?)),
            3 => value = Attribute::Int(field.varint()? as i64),
            4 => {
                let bytes = field.bytes()?;
                value = Attribute::Text(
                    std::str::from_utf8(&bytes[..bytes.len().min(64)])
                        .unwrap_or("")
                        .to_string(),
                );
            }
            5 => value = Attribute::Tensor(read_tensor(field.bytes()?)?.1),
            7 => field.push_floats(&mut floats)?,
            8 => field.push_varints(&mut ints)?,
            _ => {}
        }
    }
    if !ints.is_empty() {
        value = Attribute::Ints(ints.into_iter().map(|v| v as i64).collect());
    } else if !floats.is_empty() {
        value = Attribute::Floats(floats);
    }
    Ok((name, value))
}

/// ONNX element types this reader loads.
const FLOAT: u64 = 1;
const INT32: u64 = 6;
const INT64: u64 = 7;
const FLOAT16: u64 = 10;

fn read_tensor(bytes: &[u8]) -> Result<(String, Constant)> {
    let mut name = String::new();
    let mut dims = Vec::new();
    let mut data_type = 0;
    let mut raw: Option<&[u8]> = None;
    let mut floats = Vec::new();
    let mut ints = Vec::new();
    for field in Fields::new(bytes) {
        let field = field?;
        match field.number {
            1 => field.push_varints(&mut dims)?,
            2 => data_type = field.varint()?,
            4 => field.push_floats(&mut floats)?,
            5 | 7 => field.push_varints(&mut ints)?,
            8 => name = field.string()?,
            9 => raw = Some(field.bytes()?),
            _ => {}
        }
    }
    if dims.len() > MAX_RANK {
        return Err(bad("a tensor has too many dimensions"));
    }
    let dims: Vec<usize> = dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad("a tensor has a negative dimension")))
        .collect::<Result<_>>()?;
    let count = dims
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_TENSOR_ELEMENTS)
        .ok_or_else(|| bad("a tensor is too large"))?;
    let data = match (data_type, raw) {
        (FLOAT, Some(raw)) => ConstantData::Float(
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        (FLOAT, None) => ConstantData::Float(floats),
        (FLOAT16, Some(raw)) => ConstantData::Float(
            raw.chunks_exact(2)
                .map(|b| half_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
        ),
        (INT64, Some(raw)) => ConstantData::Int(
            raw.chunks_exact(8)
                .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect(),
        ),
        (INT32, Some(raw)) => ConstantData::Int(
            raw.chunks_exact(4)
                .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
        ),
        (INT64 | INT32, None) => ConstantData::Int(ints.into_iter().map(|v| v as i64).collect()),
        _ => {
            return Err(bad(&format!(
                "tensor {} has an unsupported element type",
                super::shown(&name)
            )))
        }
    };
    let len = match &data {
        ConstantData::Float(v) => v.len(),
        ConstantData::Int(v) => v.len(),
    };
    if len != count {
        return Err(bad(&format!(
            "tensor {} holds {len} values, not {count}",
            super::shown(&name)
        )));
    }
    Ok((name, Constant { dims, data }))
}

fn read_value_info(bytes: &[u8]) -> Result<(String, Vec<i64>)> {
    let mut name = String::new();
    let mut dims = Vec::new();
    for field in Fields::new(bytes) {
        let field = field?;
        match field.number {
            1 => name = field.string()?,
            2 => dims = read_type_dims(field.bytes()?)?,
            _ => {}
        }
    }
    Ok((name, dims))
}

/// Dimensions of a TypeProto's tensor type, -1 for symbolic ones.
fn read_type_dims(type_proto: &[u8]) -> Result<Vec<i64>> {
    let mut dims = Vec::new();
    for tensor_type in Fields::new(type_proto) {
        let tensor_type = tensor_type?;
        if tensor_type.number != 1 {
            continue;
        }
        for shape in Fields::new(tensor_type.bytes()?) {
            let shape = shape?;
            if shape.number != 2 {
                continue;
            }
            for dim in Fields::new(shape.bytes()?) {
                let dim = dim?;
                if dim.number != 1 {
                    continue;
                }
                let mut value = -1;
                for part in Fields::new(dim.bytes()?) {
                    let part = part?;
                    if part.number == 1 {
                        value = part.varint()? as i64;
                    }
                }
                if dims.len() == MAX_RANK {
                    return Err(bad("an input has too many dimensions"));
                }
                dims.push(value);
            }
        }
    }
    Ok(dims)
}

/// A copy of an ONNX model whose float32 constants are stored as float16: half the download, and
/// the engine widens them back at load. Everything else is copied byte for byte. Constants whose
/// values do not survive the rounding (beyond float16's range) are kept as float32.
pub fn with_half_floats(bytes: &[u8]) -> Result<Vec<u8>> {
    rewrite(bytes, &|field| match field.number {
        7 => Ok(Some(encode_bytes(
            7,
            &rewrite(field.bytes()?, &|field| match field.number {
                5 => Ok(Some(encode_bytes(5, &halve_tensor(field.bytes()?)?))),
                _ => Ok(None),
            })?,
        ))),
        _ => Ok(None),
    })
}

/// `message` with each field for which `change` gives new bytes (a whole encoded field) replaced by
/// them; every other field copied byte for byte.
fn rewrite(message: &[u8], change: &dyn Fn(&Field) -> Result<Option<Vec<u8>>>) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(message.len());
    for field in Fields::new(message) {
        let field = field?;
        match change(&field)? {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => out.extend_from_slice(field.raw),
        }
    }
    Ok(out)
}

/// A TensorProto with float32 raw data rewritten as float16.
fn halve_tensor(tensor: &[u8]) -> Result<Vec<u8>> {
    let (_, constant) = read_tensor(tensor)?;
    let halves: Option<Vec<u16>> = match (&constant.data, raw_data_of(tensor)?) {
        (ConstantData::Float(values), Some(_)) => values.iter().map(|&v| f32_to_half(v)).collect(),
        _ => None,
    };
    let Some(halves) = halves else {
        return Ok(tensor.to_vec());
    };
    let raw: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
    rewrite(tensor, &|field| match field.number {
        2 => {
            let mut out = Vec::new();
            write_varint(2 << 3, &mut out);
            write_varint(FLOAT16, &mut out);
            Ok(Some(out))
        }
        9 => Ok(Some(encode_bytes(9, &raw))),
        _ => Ok(None),
    })
}

/// A length-delimited field, encoded.
fn encode_bytes(number: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 12);
    write_varint(number << 3 | 2, &mut out);
    write_varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

fn raw_data_of(tensor: &[u8]) -> Result<Option<&[u8]>> {
    for field in Fields::new(tensor) {
        let field = field?;
        if field.number == 9 {
            return Ok(Some(field.bytes()?));
        }
    }
    Ok(None)
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// IEEE 754 half to single precision (exact).
fn half_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: man · 2^-24.
            let v = man as f32 / 16_777_216.0;
            return if sign == 0 { v } else { -v };
        }
        (31, 0) => sign | 0x7f80_0000,
        (31, _) => sign | 0x7fc0_0000,
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// Single to half precision, rounded to nearest; None for values outside float16's finite range.
fn f32_to_half(v: f32) -> Option<u16> {
    if !v.is_finite() || v.abs() > 65_504.0 {
        return None;
    }
    let sign = ((v.to_bits() >> 16) & 0x8000) as u16;
    let a = v.abs();
    if a < 6.103_515_6e-5 {
        // Subnormal or zero: multiples of 2^-24.
        return Some(sign | (a * 16_777_216.0).round() as u16);
    }
    let bits = a.to_bits();
    let exp = (bits >> 23) as i32 - 127 + 15;
    let man = bits & 0x7f_ffff;
    // Round to nearest even on the 13 dropped bits; a carry moves into the exponent correctly.
    let mut half = ((exp as u32) << 10) | (man >> 13);
    let dropped = man & 0x1fff;
    if dropped > 0x1000 || (dropped == 0x1000 && half & 1 == 1) {
        half += 1;
    }
    (half < 0x7c00).then_some(sign | half as u16)
}

/// One protobuf field: its number and its payload.
struct Field<'a> {
    number: u64,
    value: Value<'a>,
    /// The whole field as encoded: key and payload.
    raw: &'a [u8],
}

enum Value<'a> {
    Varint(u64),
    Fixed64,
    Fixed32(u32),
    Bytes(&'a [u8]),
}

impl<'a> Field<'a> {
    fn bytes(&self) -> Result<&'a [u8]> {
        match self.value {
            Value::Bytes(b) => Ok(b),
            _ => Err(bad("a field has the wrong wire type")),
        }
    }

    fn string(&self) -> Result<String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| bad("a name is not UTF-8"))
    }

    fn varint(&self) -> Result<u64> {
        match self.value {
            Value::Varint(v) => Ok(v),
            _ => Err(bad("a field has the wrong wire type")),
        }
    }

    fn fixed32(&self) -> Result<u32> {
        match self.value {
            Value::Fixed32(v) => Ok(v),
            _ => Err(bad("a field has the wrong wire type")),
        }
    }

    /// A repeated varint field, packed or not.
    fn push_varints(&self, into: &mut Vec<u64>) -> Result<()> {
        match self.value {
            Value::Varint(v) => into.push(v),
            Value::Bytes(mut b) => {
                while !b.is_empty() {
                    if into.len() >= MAX_TENSOR_ELEMENTS {
                        return Err(bad("a list is too long"));
                    }
                    into.push(read_varint(&mut b)?);
                }
            }
            _ => return Err(bad("a field has the wrong wire type")),
        }
        if into.len() > MAX_TENSOR_ELEMENTS {
            return Err(bad("a list is too long"));
        }
        Ok(())
    }

    /// A repeated float field, packed or not.
    fn push_floats(&self, into: &mut Vec<f32>) -> Result<()> {
        match self.value {
            Value::Fixed32(v) => into.push(f32::from_bits(v)),
            Value::Bytes(b) => {
                if b.len() % 4 != 0 || into.len() + b.len() / 4 > MAX_TENSOR_ELEMENTS {
                    return Err(bad("a list of numbers is cut short or too long"));
                }
                into.extend(
                    b.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                );
            }
            _ => return Err(bad("a field has the wrong wire type")),
        }
        if into.len() > MAX_TENSOR_ELEMENTS {
            return Err(bad("a list is too long"));
        }
        Ok(())
    }
}

/// The fields of one protobuf message, in order.
struct Fields<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Fields {
            rest: bytes,
            failed: false,
        }
    }

    fn next_field(&mut self) -> Result<Field<'a>> {
        let start = self.rest;
        let key = read_varint(&mut self.rest)?;
        let number = key >> 3;
        let value = match key & 7 {
            0 => Value::Varint(read_varint(&mut self.rest)?),
            1 => {
                take(&mut self.rest, 8)?;
                Value::Fixed64
            }
            2 => {
                let len = usize::try_from(read_varint(&mut self.rest)?)
                    .map_err(|_| bad("a length is too large"))?;
                Value::Bytes(take(&mut self.rest, len)?)
            }
            5 => {
                let b = take(&mut self.rest, 4)?;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            _ => return Err(bad("a field has an unknown wire type")),
        };
        let raw = &start[..start.len() - self.rest.len()];
        Ok(Field { number, value, raw })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        let field = self.next_field();
        self.failed = field.is_err();
        Some(field)
    }
}

fn take<'a>(rest: &mut &'a [u8], len: usize) -> Result<&'a [u8]> {
    if len > rest.len() {
        return Err(bad("it is cut short"));
    }
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head)
}

fn read_varint(rest: &mut &[u8]) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, tail) = rest.split_first().ok_or_else(|| bad("it is cut short"))?;
        *rest = tail;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(bad("a number is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::{encode_bytes as message, write_varint as varint};

    #[test]
    fn varints_round_trip_and_overlong_ones_are_refused() {
        for v in [0, 1, 127, 128, 300, u64::MAX] {
            let mut bytes = Vec::new();
            varint(v, &mut bytes);
            assert_eq!(read_varint(&mut &bytes[..]).unwrap(), v);
        }
        assert!(read_varint(&mut &[0x80u8; 11][..]).is_err());
        assert!(read_varint(&mut &[0x80u8][..]).is_err());
    }

    #[test]
    fn a_tensor_with_raw_floats_is_read() {
        let mut tensor = Vec::new();
        tensor.extend([1 << 3, 2]); // dims: 2
        tensor.extend([2 << 3, 1]); // FLOAT
        tensor.extend(message(8, b"w"));
        let raw: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        tensor.extend(message(9, &raw));
        let (name, constant) = read_tensor(&tensor).unwrap();
        assert_eq!(name, "w");
        assert_eq!(constant.dims, vec![2]);
        assert_eq!(constant.floats(), Some(&[1.5, -2.0][..]));
    }

    #[test]
    fn half_floats_round_trip_to_nearest() {
        for v in [
            0.0f32, -0.0, 1.0, -2.5, 0.1, 1e-5, -3e-7, 65_504.0, 0.333_333,
        ] {
            let h = f32_to_half(v).unwrap();
            let back = half_to_f32(h);
            assert!((back - v).abs() <= v.abs() / 1024.0 + 6e-8, "{v} -> {back}");
        }
        assert_eq!(half_to_f32(0x3c00), 1.0);
        assert_eq!(half_to_f32(0xc000), -2.0);
        assert_eq!(half_to_f32(0x0001), 1.0 / 16_777_216.0);
        assert_eq!(f32_to_half(1e6), None);
        assert_eq!(f32_to_half(f32::NAN), None);
    }

    #[test]
    fn a_tensor_whose_data_disagrees_with_its_shape_is_refused() {
        let mut tensor = Vec::new();
        tensor.extend([1 << 3, 3, 2 << 3, 1]);
        tensor.extend(message(9, &[0u8; 8]));
        assert!(read_tensor(&tensor).is_err());
        let mut huge = Vec::new();
        huge.extend([1 << 3]);
        varint(1 << 40, &mut huge);
        huge.extend([2 << 3, 1]);
        assert!(read_tensor(&huge).is_err());
    }

    #[test]
    fn lengths_past_the_end_and_odd_wire_types_are_refused() {
        assert!(read(&message(7, b"")[..1]).is_err());
        assert!(read(&[7 << 3 | 2, 100, 0]).is_err());
        assert!(read(&[7 << 3 | 3]).is_err());
        assert!(read(b"").is_err());
    }
}
