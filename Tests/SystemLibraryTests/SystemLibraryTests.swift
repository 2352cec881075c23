import CBLAS
import CHDF5
import CIsal
import CSpglib
import CZstd
import Testing

/// Each system library links and answers one real call: the bootstrap installed what the build names.
@Suite struct SystemLibraryTests {
    @Test func openBLASMultipliesMatrices() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2×3
        let b: [Float] = [7, 8, 9, 10, 11, 12]  // 3×2
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        #expect(c == [58, 64, 139, 154])
    }

    @Test func spglibFindsTheRockSaltSpaceGroup() {
        // NaCl conventional cell, 8 atoms; spglib takes basis vectors as columns (cubic: the same).
        var lattice: [Double] = [5.64, 0, 0, 0, 5.64, 0, 0, 0, 5.64]
        var positions: [Double] = [
            0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0,
            0.5, 0, 0, 0.5, 0.5, 0.5, 0, 0, 0.5, 0, 0.5, 0,
        ]
        let types: [Int32] = [11, 11, 11, 11, 17, 17, 17, 17]
        var symbol = [CChar](repeating: 0, count: 11)
        let number = lattice.withUnsafeMutableBytes { latticeBytes in
            positions.withUnsafeMutableBytes { positionBytes in
                spg_get_international(
                    &symbol,
                    latticeBytes.baseAddress?.assumingMemoryBound(to: (Double, Double, Double).self),
                    positionBytes.baseAddress?.assumingMemoryBound(to: (Double, Double, Double).self),
                    types, 8, 1e-5)
            }
        }
        #expect(number == 225)
        #expect(String(decoding: symbol.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == "Fm-3m")
        #expect(spg_get_major_version() >= 2)
    }

    @Test func igzipAndZstdRoundTrip() {
        let text = Array(String(repeating: "data_NaCl _cell_length_a 5.64\n", count: 50).utf8)
        // gzip with igzip's deflate, then inflate with header and CRC-32 checked.
        var packed = [UInt8](repeating: 0, count: text.count + 1024)
        var deflater = isal_zstream()
        isal_deflate_init(&deflater)
        deflater.gzip_flag = UInt16(IGZIP_GZIP)
        deflater.end_of_stream = 1
        let packedCount = text.withUnsafeBufferPointer { input in
            packed.withUnsafeMutableBufferPointer { output in
                deflater.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                deflater.avail_in = UInt32(input.count)
                deflater.next_out = output.baseAddress
                deflater.avail_out = UInt32(output.count)
                #expect(isal_deflate(&deflater) == COMP_OK)
                return output.count - Int(deflater.avail_out)
            }
        }
        #expect(packed.prefix(2) == [0x1f, 0x8b])
        var unpacked = [UInt8](repeating: 0, count: text.count)
        var inflater = inflate_state()
        isal_inflate_init(&inflater)
        inflater.crc_flag = UInt32(ISAL_GZIP)
        packed.withUnsafeMutableBufferPointer { input in
            unpacked.withUnsafeMutableBufferPointer { output in
                inflater.next_in = input.baseAddress
                inflater.avail_in = UInt32(packedCount)
                inflater.next_out = output.baseAddress
                inflater.avail_out = UInt32(output.count)
                #expect(isal_inflate(&inflater) == ISAL_DECOMP_OK)
            }
        }
        #expect(inflater.block_state == ISAL_BLOCK_FINISH)
        #expect(unpacked == text)

        var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(text.count))
        let frameCount = ZSTD_compress(&frame, frame.count, text, text.count, 3)
        #expect(ZSTD_isError(frameCount) == 0)
        var back = [UInt8](repeating: 0, count: text.count)
        #expect(ZSTD_decompress(&back, back.count, frame, frameCount) == text.count)
        #expect(back == text)
    }

    @Test func hdf5IsTheThreadSafe110Series() {
        var major: UInt32 = 0
        var minor: UInt32 = 0
        var release: UInt32 = 0
        #expect(H5get_libversion(&major, &minor, &release) >= 0)
        #expect(major == 1 && minor >= 10)
        var threadSafe: hbool_t = false
        #expect(H5is_library_threadsafe(&threadSafe) >= 0)
        #expect(threadSafe)
    }
}
