//! A small, safe Python pickle reader (protocols 0–2 opcodes plus the protocol-3/4 ones numpy and
//! scipy pickles use). It never executes anything: `GLOBAL` + `REDUCE`/`NEWOBJ`/`BUILD` produce
//! inert [`Object`] values that callers interpret (numpy arrays, scipy CSR matrices, dicts).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A decoded pickle value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// Text or Python 2 `str` (raw bytes); numpy stores array buffers this way.
    Bytes(Rc<[u8]>),
    Tuple(Rc<Vec<Value>>),
    List(Rc<RefCell<Vec<Value>>>),
    Dict(Rc<RefCell<Vec<(Value, Value)>>>),
    Global(Rc<(String, String)>),
    Object(Rc<RefCell<Object>>),
}

/// A constructed object: `class(*args)`, then `__setstate__(state)` and any items set on it.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) class: (String, String),
    pub(crate) args: Vec<Value>,
    pub(crate) state: Option<Value>,
    pub(crate) items: Vec<(Value, Value)>,
}

impl Value {
    pub(crate) fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(value) => Some(*value),
            Value::Bool(value) => Some(i64::from(*value)),
            _ => None,
        }
    }

    pub(crate) fn as_tuple(&self) -> Option<&[Value]> {
        match self {
            Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// Looks up a string key in a dict value.
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        match self {
            Value::Dict(items) => items
                .borrow()
                .iter()
                .find(|(k, _)| k.as_bytes() == Some(key.as_bytes()))
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }
}

/// Decodes one pickle. Errors carry the byte offset of the offending opcode.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, String> {
    parse_prefix(bytes).map(|(value, _)| value)
}

/// Decodes the pickle at the start of `bytes`; returns it and the bytes it took (files such as
/// PyTorch's legacy format hold several pickles back to back).
pub(crate) fn parse_prefix(bytes: &[u8]) -> Result<(Value, usize), String> {
    let mut machine = Machine {
        input: bytes,
        position: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let value = machine.run()?;
    Ok((value, machine.position))
}

struct Machine<'a> {
    input: &'a [u8],
    position: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl Machine<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self
            .position
            .checked_add(n)
            .filter(|&end| end <= self.input.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.position))?;
        let slice = &self.input[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn line(&mut self) -> Result<String, String> {
        let rest = &self.input[self.position..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("unterminated line")?;
        let text = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.position += end + 1;
        Ok(text)
    }

    fn pop(&mut self) -> Result<Value, String> {
        self.stack
            .pop()
            .ok_or_else(|| format!("stack underflow at byte {}", self.position))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, String> {
        let mark = self.marks.pop().ok_or("MARK missing")?;
        if mark > self.stack.len() {
            return Err("MARK beyond stack".into());
        }
        Ok(self.stack.split_off(mark))
    }

    fn top(&mut self) -> Result<&mut Value, String> {
        self.stack
            .last_mut()
            .ok_or_else(|| "empty stack".to_string())
    }

    fn bytes(&mut self, n: usize) -> Result<Value, String> {
        Ok(Value::Bytes(Rc::from(self.take(n)?)))
    }

    fn run(&mut self) -> Result<Value, String> {
        loop {
            let at = self.position;
            let opcode = self.u8()?;
            self.step(opcode)
                .map_err(|reason| format!("pickle opcode 0x{opcode:02x} at byte {at}: {reason}"))?;
            if opcode == b'.' {
                return self.pop();
            }
        }
    }

    fn step(&mut self, opcode: u8) -> Result<(), String> {
        match opcode {
            0x80 => {
                self.u8()?; // PROTO
            }
            0x95 => {
                self.take(8)?; // FRAME
            }
            b'.' => {}
            b'(' => self.marks.push(self.stack.len()),
            b'N' => self.stack.push(Value::None),
            0x88 => self.stack.push(Value::Bool(true)),
            0x89 => self.stack.push(Value::Bool(false)),
            b'K' => {
                let v = self.u8()?;
                self.stack.push(Value::Int(i64::from(v)));
            }
            b'M' => {
                let v = self.u16()?;
                self.stack.push(Value::Int(i64::from(v)));
            }
            b'J' => {
                let v = self.u32()? as i32;
                self.stack.push(Value::Int(i64::from(v)));
            }
            0x8a => {
                let n = self.u8()? as usize;
                let b = self.take(n)?;
                if n > 8 {
                    // Too wide for i64 (PyTorch's legacy magic number): kept as its
                    // little-endian bytes, for callers that compare it.
                    let wide = Value::Bytes(Rc::from(b));
                    self.stack.push(wide);
                    return Ok(());
                }
                let mut buffer = if b.last().is_some_and(|&last| last & 0x80 != 0) {
                    [0xff; 8]
                } else {
                    [0; 8]
                };
                buffer[..n].copy_from_slice(b);
                self.stack.push(Value::Int(i64::from_le_bytes(buffer)));
            }
            b'U' | b'C' => {
                let n = self.u8()? as usize;
                let v = self.bytes(n)?;
                self.stack.push(v);
            }
            b'T' | b'X' | b'B' => {
                let n = self.u32()? as usize;
                let v = self.bytes(n)?;
                self.stack.push(v);
            }
            0x8c => {
                let n = self.u8()? as usize;
                let v = self.bytes(n)?;
                self.stack.push(v);
            }
            b')' => self.stack.push(Value::Tuple(Rc::new(Vec::new()))),
            b't' => {
                let items = self.pop_mark()?;
                self.stack.push(Value::Tuple(Rc::new(items)));
            }
            0x85..=0x87 => {
                let n = (opcode - 0x84) as usize;
                if self.stack.len() < n {
                    return Err("stack underflow".into());
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.stack.push(Value::Tuple(Rc::new(items)));
            }
            b']' => self
                .stack
                .push(Value::List(Rc::new(RefCell::new(Vec::new())))),
            b'l' => {
                let items = self.pop_mark()?;
                self.stack.push(Value::List(Rc::new(RefCell::new(items))));
            }
            b'}' => self
                .stack
                .push(Value::Dict(Rc::new(RefCell::new(Vec::new())))),
            b'a' => {
                let item = self.pop()?;
                self.append(vec![item])?;
            }
            b'e' => {
                let items = self.pop_mark()?;
                self.append(items)?;
            }
            b's' => {
                let value = self.pop()?;
                let key = self.pop()?;
                self.set_items(vec![key, value])?;
            }
            b'u' => {
                let items = self.pop_mark()?;
                self.set_items(items)?;
            }
            b'q' => {
                let index = u32::from(self.u8()?);
                let top = self.top()?.clone();
                self.memo.insert(index, top);
            }
            b'r' => {
                let index = self.u32()?;
                let top = self.top()?.clone();
                self.memo.insert(index, top);
            }
            0x94 => {
                let index = self.memo.len() as u32;
                let top = self.top()?.clone();
                self.memo.insert(index, top);
            }
            b'h' | b'j' => {
                let index = if opcode == b'h' {
                    u32::from(self.u8()?)
                } else {
                    self.u32()?
                };
                let value = self
                    .memo
                    .get(&index)
                    .cloned()
                    .ok_or(format!("memo {index} missing"))?;
                self.stack.push(value);
            }
            b'c' => {
                let module = self.line()?;
                let name = self.line()?;
                self.stack.push(Value::Global(Rc::new((module, name))));
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                let text = |v: &Value| {
                    v.as_bytes()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                };
                let (Some(module), Some(name)) = (text(&module), text(&name)) else {
                    return Err("STACK_GLOBAL needs two strings".into());
                };
                self.stack.push(Value::Global(Rc::new((module, name))));
            }
            b'R' | 0x81 => {
                let args = self.pop()?;
                let class = self.pop()?;
                let Value::Global(class) = class else {
                    return Err("call of a non-global".into());
                };
                let args = args.as_tuple().ok_or("arguments are not a tuple")?.to_vec();
                self.stack.push(Value::Object(Rc::new(RefCell::new(Object {
                    class: (*class).clone(),
                    args,
                    state: None,
                    items: Vec::new(),
                }))));
            }
            b'b' => {
                let state = self.pop()?;
                match self.top()? {
                    Value::Object(object) => object.borrow_mut().state = Some(state),
                    _ => return Err("BUILD on a non-object".into()),
                }
            }
            _ => return Err("unsupported opcode".into()),
        }
        Ok(())
    }

    fn append(&mut self, items: Vec<Value>) -> Result<(), String> {
        match self.top()? {
            Value::List(list) => list.borrow_mut().extend(items),
            _ => return Err("APPEND to a non-list".into()),
        }
        Ok(())
    }

    fn set_items(&mut self, flat: Vec<Value>) -> Result<(), String> {
        if !flat.len().is_multiple_of(2) {
            return Err("SETITEMS with an odd number of values".into());
        }
        let mut pairs = Vec::with_capacity(flat.len() / 2);
        let mut iter = flat.into_iter();
        while let (Some(k), Some(v)) = (iter.next(), iter.next()) {
            pairs.push((k, v));
        }
        match self.top()? {
            Value::Dict(dict) => dict.borrow_mut().extend(pairs),
            Value::Object(object) => object.borrow_mut().items.extend(pairs),
            _ => return Err("SETITEMS on a non-dict".into()),
        }
        Ok(())
    }
}

/// A numpy array decoded from `numpy.core.multiarray._reconstruct` + `__setstate__`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumpyArray {
    pub(crate) shape: Vec<usize>,
    /// Every element as f64 (exact for the integer and float types Planetoid uses).
    pub(crate) values: Vec<f64>,
}

/// Interprets a pickled numpy array.
pub(crate) fn numpy_array(value: &Value) -> Result<NumpyArray, String> {
    let Value::Object(object) = value else {
        return Err("expected a numpy array object".into());
    };
    let object = object.borrow();
    let state = object.state.as_ref().ok_or("numpy array without state")?;
    let state = state.as_tuple().ok_or("numpy array state is not a tuple")?;
    // (version, shape, dtype, is_fortran, raw bytes)
    let [_, shape, dtype, fortran, raw] = state else {
        return Err(format!(
            "numpy array state has {} fields, expected 5",
            state.len()
        ));
    };
    let shape: Vec<usize> = shape
        .as_tuple()
        .ok_or("shape is not a tuple")?
        .iter()
        .map(|d| {
            let d = d.as_int().ok_or("shape entry is not an int")?;
            usize::try_from(d).map_err(|_| format!("shape entry {d} is negative"))
        })
        .collect::<Result<_, String>>()?;
    if fortran.as_int() == Some(1) && shape.len() > 1 {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let (kind, size, big_endian) = numpy_dtype(dtype)?;
    let raw = byte_string(raw).ok_or("array data is not a byte string")?;
    let raw = raw.as_ref();
    let needed = (size > 0)
        .then(|| shape.iter().try_fold(size, |acc, &d| acc.checked_mul(d)))
        .flatten()
        .ok_or_else(|| {
            format!("array of shape {shape:?} and dtype {kind}{size} has no valid byte size")
        })?;
    if raw.len() != needed {
        return Err(format!(
            "array of shape {shape:?} needs {needed} bytes of {kind}{size}, found {}",
            raw.len()
        ));
    }
    let values = raw
        .chunks_exact(size)
        .map(|chunk| decode_element(kind, chunk, big_endian))
        .collect::<Result<_, _>>()?;
    Ok(NumpyArray { shape, values })
}

/// A byte string: raw bytes (Python 2, protocol 3+), or Python 3's protocol-2 spelling of
/// `bytes`, `_codecs.encode(text, 'latin1')`, decoded back to its bytes.
fn byte_string(value: &Value) -> Option<std::borrow::Cow<'_, [u8]>> {
    match value {
        Value::Bytes(bytes) => Some(std::borrow::Cow::Borrowed(bytes)),
        Value::Object(object) => {
            let object = object.borrow();
            let [text, encoding] = object.args.as_slice() else {
                return None;
            };
            if object.class != ("_codecs".into(), "encode".into())
                || encoding.as_bytes() != Some(b"latin1".as_slice())
            {
                return None;
            }
            let text = std::str::from_utf8(text.as_bytes()?).ok()?;
            text.chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
                .map(std::borrow::Cow::Owned)
        }
        _ => None,
    }
}

fn numpy_dtype(dtype: &Value) -> Result<(char, usize, bool), String> {
    let Value::Object(object) = dtype else {
        return Err("dtype is not an object".into());
    };
    let object = object.borrow();
    let name = object
        .args
        .first()
        .and_then(Value::as_bytes)
        .ok_or("dtype without a name")?;
    let name = String::from_utf8_lossy(name);
    let mut chars = name.chars();
    let kind = chars.next().ok_or("empty dtype name")?;
    let size: usize = chars
        .as_str()
        .parse()
        .map_err(|_| format!("unsupported dtype {name:?}"))?;
    let big_endian = object
        .state
        .as_ref()
        .and_then(Value::as_tuple)
        .and_then(|state| state.get(1))
        .and_then(Value::as_bytes)
        == Some(b">");
    Ok((kind, size, big_endian))
}

fn decode_element(kind: char, chunk: &[u8], big_endian: bool) -> Result<f64, String> {
    let mut bytes = chunk.to_vec();
    if big_endian {
        bytes.reverse();
    }
    let fixed = |n: usize| -> [u8; 8] {
        let mut buffer = [0u8; 8];
        buffer[..n].copy_from_slice(&bytes[..n]);
        buffer
    };
    Ok(match (kind, chunk.len()) {
        ('f', 4) => f64::from(f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        ('f', 8) => f64::from_le_bytes(fixed(8)),
        ('i', 1) => f64::from(bytes[0] as i8),
        ('i', 2) => f64::from(i16::from_le_bytes([bytes[0], bytes[1]])),
        ('i', 4) => f64::from(i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        ('i', 8) => i64::from_le_bytes(fixed(8)) as f64,
        ('u' | 'b', 1) => f64::from(bytes[0]),
        ('u', 2) => f64::from(u16::from_le_bytes([bytes[0], bytes[1]])),
        ('u', 4) => f64::from(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        ('u', 8) => u64::from_le_bytes(fixed(8)) as f64,
        (kind, size) => return Err(format!("unsupported dtype {kind}{size}")),
    })
}

/// A scipy CSR matrix decoded from its pickled `__dict__`: the arrays as stored, unchecked
/// (see [`crate::csr::RawCsr::canonical`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScipyCsr {
    pub(crate) shape: [f64; 2],
    pub(crate) indptr: Vec<f64>,
    pub(crate) indices: Vec<f64>,
    pub(crate) data: Vec<f64>,
}

impl ScipyCsr {
    /// The arrays, for checking.
    pub(crate) fn raw(&self) -> crate::csr::RawCsr<'_> {
        crate::csr::RawCsr {
            shape: &self.shape,
            indptr: &self.indptr,
            indices: &self.indices,
            data: &self.data,
        }
    }
}

/// Interprets a pickled `scipy.sparse.csr_matrix`.
pub(crate) fn scipy_csr(value: &Value) -> Result<ScipyCsr, String> {
    let Value::Object(object) = value else {
        return Err("expected a scipy sparse matrix object".into());
    };
    let object = object.borrow();
    if !object.class.1.contains("csr_matrix") {
        return Err(format!(
            "expected scipy csr_matrix, found {}.{}",
            object.class.0, object.class.1
        ));
    }
    let state = object.state.as_ref().ok_or("csr_matrix without state")?;
    let field = |name: &str| {
        state
            .get(name)
            .ok_or(format!("csr_matrix has no field {name:?}"))
    };
    let shape = field("_shape")?;
    let shape = shape.as_tuple().ok_or("_shape is not a tuple")?;
    let dimension = |i: usize| {
        shape
            .get(i)
            .and_then(Value::as_int)
            .map(|d| d as f64)
            .ok_or("bad _shape")
    };
    Ok(ScipyCsr {
        shape: [dimension(0)?, dimension(1)?],
        indptr: numpy_array(&field("indptr")?)?.values,
        indices: numpy_array(&field("indices")?)?.values,
        data: numpy_array(&field("data")?)?.values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_protocol_2_values() {
        // pickle.dumps({'a': [1, 300, -2], 'b': (True, None)}, protocol=2)
        let bytes = b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01M,\x01J\xfe\xff\xff\xffeX\x01\x00\x00\x00bq\x03\x88N\x86q\x04u.";
        let value = parse(bytes).unwrap();
        let Value::List(list) = value.get("a").unwrap() else {
            panic!("not a list")
        };
        let ints: Vec<i64> = list.borrow().iter().map(|v| v.as_int().unwrap()).collect();
        assert_eq!(ints, vec![1, 300, -2]);
        let b = value.get("b").unwrap();
        assert!(matches!(b.as_tuple().unwrap()[0], Value::Bool(true)));
    }

    #[test]
    fn truncated_input_names_the_byte() {
        let error = parse(b"\x80\x02]q\x00(K\x01").unwrap_err();
        assert!(error.contains("at byte"), "{error}");
    }
}
