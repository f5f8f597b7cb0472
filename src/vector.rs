//! pgvector's `vector` values built from Rust.
//!
//! Hand-written because no maintained crate maps pgvector's type for pgrx; the `pgvector` crate
//! speaks the client protocols. The on-disk layout is pgvector's `Vector` struct (vector.h):
//! varlena header, int16 dim, int16 unused, float4 x[dim].

use pgrx::callconv::{BoxRet, FcInfo};
use pgrx::datum::Datum;
use pgrx::pg_sys;

/// One `vector` value.
pub struct Vector(pub Vec<f32>);

/// A `vector[]` value; `None` elements are SQL NULLs.
pub struct VectorArray(pub Vec<Option<Vec<f32>>>);

pgrx::impl_sql_translatable!(Vector, "vector(384)");
pgrx::impl_sql_translatable!(VectorArray, "vector(384)[]");

const HEADER: usize = pg_sys::VARHDRSZ + 4; // varlena header + dim + unused

/// Allocate a pgvector value in the current memory context.
fn to_datum(values: &[f32]) -> pg_sys::Datum {
    let size = HEADER + std::mem::size_of_val(values);
    // SAFETY: palloc0 returns `size` writable, suitably aligned bytes or raises an ERROR.
    unsafe {
        let ptr = pg_sys::palloc0(size).cast::<u8>();
        pgrx::set_varsize_4b(ptr.cast(), size as i32);
        ptr.add(pg_sys::VARHDRSZ)
            .cast::<i16>()
            .write(values.len() as i16);
        std::ptr::copy_nonoverlapping(values.as_ptr(), ptr.add(HEADER).cast::<f32>(), values.len());
        pg_sys::Datum::from(ptr)
    }
}

unsafe impl BoxRet for Vector {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> Datum<'fcx> {
        unsafe { fcinfo.return_raw_datum(to_datum(&self.0)) }
    }
}

unsafe impl BoxRet for VectorArray {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> Datum<'fcx> {
        // The element type is whatever `vector` this function was declared to return, so no
        // name lookup (and no search_path) is involved.
        unsafe {
            let raw = fcinfo.as_mut_ptr();
            let rettype = pg_sys::get_func_rettype((*(*raw).flinfo).fn_oid);
            let elem = pg_sys::get_element_type(rettype);
            let (mut typlen, mut byval, mut align) = (0i16, false, 0 as std::ffi::c_char);
            pg_sys::get_typlenbyvalalign(elem, &mut typlen, &mut byval, &mut align);
            let array = if self.0.is_empty() {
                pg_sys::construct_empty_array(elem)
            } else {
                let mut datums: Vec<pg_sys::Datum> = Vec::with_capacity(self.0.len());
                let mut nulls: Vec<bool> = Vec::with_capacity(self.0.len());
                for v in &self.0 {
                    match v {
                        Some(v) => {
                            datums.push(to_datum(v));
                            nulls.push(false);
                        }
                        None => {
                            datums.push(pg_sys::Datum::from(0usize));
                            nulls.push(true);
                        }
                    }
                }
                let mut dims = [self.0.len() as i32];
                let mut lbs = [1i32];
                pg_sys::construct_md_array(
                    datums.as_mut_ptr(),
                    nulls.as_mut_ptr(),
                    1,
                    dims.as_mut_ptr(),
                    lbs.as_mut_ptr(),
                    elem,
                    typlen.into(),
                    byval,
                    align,
                )
            };
            fcinfo.return_raw_datum(pg_sys::Datum::from(array))
        }
    }
}
