"""The Kabupaten Tuban demo masterplan as data: OPDs, programs, indicators, village rollouts,
and the obstacles OPDs write in their reports. Read by ``etl.demo``; the names are fictional
where a real document was not available, the village codes are never invented (they are drawn
from the Kemendagri reference list at build time).
"""

from __future__ import annotations

from dataclasses import dataclass

REGION = "35.23"
REGION_NAME = "Kabupaten Tuban"

INFO = {
    "kode_wilayah": REGION,
    "nama_wilayah": REGION_NAME,
    "judul": "Masterplan Smart City Kabupaten Tuban 2023–2032",
    "tahun_awal": 2023,
    "tahun_akhir": 2032,
    "dasar_hukum": "Peraturan Bupati Tuban Nomor 71 Tahun 2022 tentang Masterplan Smart City "
                   "Kabupaten Tuban Tahun 2023–2032",
}

# (kode, nama, singkatan)
OPDS: tuple[tuple[str, str, str], ...] = (
    ("KOMINFO", "Dinas Komunikasi dan Informatika", "Diskominfo"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah, Penelitian dan Pengembangan",
     "Bappeda Litbang"),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD"),
    ("DINKES", "Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana", "Dinkes P2KB"),
    ("DISDIK", "Dinas Pendidikan", "Disdik"),
    ("DISHUB", "Dinas Perhubungan", "Dishub"),
    ("DLH", "Dinas Lingkungan Hidup", "DLH"),
    ("DISPARBUDPORA", "Dinas Kebudayaan, Kepemudaan dan Olahraga serta Pariwisata",
     "Disparbudpora"),
    ("DINSOS", "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak", "Dinsos P3A"),
    ("DISKOPUMDAG", "Dinas Koperasi, Usaha Mikro dan Perdagangan", "Diskopumdag"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Dispendukcapil"),
    ("BPKPD", "Badan Pengelolaan Keuangan dan Pendapatan Daerah", "BPKPD"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja dan Pemadam Kebakaran", "Satpol PP"),
    ("DPUPRPRKP", "Dinas Pekerjaan Umum, Penataan Ruang, Perumahan Rakyat dan Kawasan "
                  "Permukiman", "DPUPR PRKP"),
)

# RPJMD targets the programs support (Sasaran RPJMD).
R_GOV = "Meningkatnya tata kelola pemerintahan yang bersih, efektif dan melayani"
R_ECO = "Meningkatnya perekonomian daerah berbasis potensi lokal"
R_SDM = "Meningkatnya kualitas sumber daya manusia yang sehat dan cerdas"
R_INF = "Meningkatnya kualitas infrastruktur dan lingkungan hidup yang berkelanjutan"
R_SOS = "Meningkatnya ketenteraman, ketertiban dan ketangguhan masyarakat"


@dataclass(frozen=True)
class Ind:
    """An indicator: targets go linearly from ``first`` (first program year) to ``last``.

    polarity "+"/"-"; acc "J" (jumlah), "P" (posisi akhir), "R" (rata-rata); ``q`` adds
    quarterly targets for 2025 and 2026; ``profile`` is how it fares in 2026: ok, lag (50–75 %
    of expected), crit (< 50 %) or stag (no change between TW II and TW III).
    """

    name: str
    unit: str
    polarity: str
    acc: str
    baseline: float | None
    first: float
    last: float
    dec: int = 0
    q: bool = False
    profile: str = "ok"


@dataclass(frozen=True)
class Prog:
    """A masterplan program; ``pagu`` is the yearly budget in million rupiah."""

    code: str
    name: str
    dim: str
    sub: str
    horizon: str
    start: int
    end: int
    lead: str
    support: tuple[str, ...]
    rpjmd: str | None
    pagu: float
    sources: tuple[str, ...]
    indicators: tuple[Ind, ...]
    imbalance: bool = False  # physical and financial progress drift apart in 2026


QW, JPD, JM, JPJ = "Quick Win", "Jangka Pendek", "Jangka Menengah", "Jangka Panjang"
GOV, BRA, ECO = "Smart Governance", "Smart Branding", "Smart Economy"
LIV, SOC, ENV = "Smart Living", "Smart Society", "Smart Environment"

PROGRAMS: tuple[Prog, ...] = (
    # ------------------------------------------------------------ Smart Governance
    Prog("GOV-01", "Satu Data Tuban", GOV, "Kebijakan publik", JM, 2023, 2027, "KOMINFO",
         ("BAPPEDA", "DISDUKCAPIL"), R_GOV, 850, ("APBD",), (
             Ind("Dataset sektoral yang dipublikasikan di portal Satu Data", "dataset", "+",
                 "J", 85, 120, 220, q=True),
             Ind("OPD yang memutakhirkan data tepat waktu", "%", "+", "P", 35, 60, 100, 1,
                 q=True, profile="lag"))),
    Prog("GOV-02", "Tuban Lapor: kanal pengaduan masyarakat terpadu", GOV, "Pelayanan publik",
         JM, 2023, 2027, "KOMINFO", ("SATPOLPP", "DPMPTSP"), R_GOV, 450, ("APBD",), (
             Ind("Rata-rata waktu penyelesaian aduan", "hari", "-", "R", 14, 10, 3, 1,
                 q=True, profile="lag"),
             Ind("Aduan yang ditindaklanjuti", "%", "+", "P", 62, 80, 98, 1))),
    Prog("GOV-03", "SPBE terintegrasi: Super App Tuban", GOV, "Manajemen birokrasi", JPJ,
         2023, 2030, "KOMINFO", ("BAPPEDA", "BPKPD"), R_GOV, 2400, ("APBD", "CSR/Swasta"), (
             Ind("Indeks SPBE Kabupaten Tuban", "indeks", "+", "P", 2.45, 2.6, 3.8, 2),
             Ind("Aplikasi layanan yang terintegrasi dengan Super App Tuban", "aplikasi", "+",
                 "P", 4, 8, 40, q=True),
             Ind("Dokumen kebijakan dan arsitektur SPBE yang ditetapkan", "dokumen", "+", "J",
                 0, 2, 2))),
    Prog("GOV-04", "Tanda tangan elektronik (TTE) naskah dinas", GOV, "Manajemen birokrasi",
         QW, 2023, 2023, "KOMINFO", (), None, 300, ("APBD",), (
             Ind("Pejabat yang memiliki sertifikat elektronik", "orang", "+", "J", 150, 600,
                 600),
             Ind("Naskah dinas yang ditandatangani secara elektronik", "%", "+", "P", 10, 60,
                 60, 1))),
    Prog("GOV-05", "Perencanaan dan penganggaran terintegrasi (e-Planning dan e-Budgeting)",
         GOV, "Kebijakan publik", JPD, 2023, 2025, "BAPPEDA", ("BPKPD", "KOMINFO"), R_GOV,
         600, ("APBD",), (
             Ind("OPD yang menyusun Renja melalui e-Planning", "OPD", "+", "P", 12, 25, 45),
             Ind("Dokumen perencanaan yang terintegrasi dengan SIPD", "dokumen", "+", "J", 2,
                 4, 6))),
    Prog("GOV-06", "Mal Pelayanan Publik dan perizinan daring", GOV, "Pelayanan publik", JM,
         2023, 2027, "DPMPTSP", ("DISDUKCAPIL", "KOMINFO"), R_GOV, 1500, ("APBD", "DAK"), (
             Ind("Rata-rata waktu terbit izin", "hari", "-", "R", 7, 5, 2, 1),
             Ind("Izin yang diterbitkan secara daring", "izin", "+", "J", 3200, 4000, 6000,
                 q=True))),
    Prog("GOV-07", "Identitas Kependudukan Digital (IKD)", GOV, "Pelayanan publik", JM, 2023,
         2026, "DISDUKCAPIL", ("KOMINFO", "DPMD"), R_GOV, 500, ("APBD",), (
             Ind("Penduduk yang mengaktivasi IKD", "orang", "+", "J", 5000, 25000, 60000,
                 profile="crit"),
             Ind("Desa/kelurahan dengan layanan adminduk daring", "desa", "+", "P", 20, 80,
                 328))),
    Prog("GOV-08", "Kelurahan Cerdas: layanan administrasi kelurahan daring", GOV,
         "Pelayanan publik", JM, 2024, 2027, "KOMINFO", ("DISDUKCAPIL",), R_GOV, 700,
         ("APBD",), (
             Ind("Kelurahan yang melayani surat pengantar secara daring", "kelurahan", "+",
                 "P", 0, 2, 17),
             Ind("Rata-rata waktu layanan surat di kelurahan", "menit", "-", "R", 60, 45,
                 15))),
    # ------------------------------------------------------------ Smart Branding
    Prog("BRA-01", "Tuban Tourism branding \u201cBumi Wali\u201d", BRA, "Branding pariwisata",
         JM, 2023, 2027, "DISPARBUDPORA", ("KOMINFO", "DISKOPUMDAG"), R_ECO, 1200,
         ("APBD", "CSR/Swasta"), (
             Ind("Kunjungan wisatawan", "orang", "+", "J", 3_200_000, 3_500_000, 5_000_000,
                 q=True),
             Ind("Konten promosi wisata digital yang dipublikasikan", "konten", "+", "J", 120,
                 150, 260))),
    Prog("BRA-02", "Desa Wisata Digital", BRA, "Branding pariwisata", JPJ, 2024, 2030,
         "DISPARBUDPORA", ("DPMD", "KOMINFO"), R_ECO, 900, ("APBD", "Dana Desa"), (
             Ind("Desa wisata dengan paket wisata daring", "desa", "+", "P", 3, 6, 30),
             Ind("Transaksi pemesanan daring di desa wisata", "transaksi", "+", "J", 0, 200,
                 3000, profile="lag"))),
    Prog("BRA-03", "Tuban Mart: galeri dan katalog daring produk UMKM", BRA, "Branding bisnis",
         JPD, 2023, 2025, "DISKOPUMDAG", ("KOMINFO",), R_ECO, 400, ("APBD",), (
             Ind("UMKM yang masuk katalog daring", "unit usaha", "+", "J", 250, 300, 600),
             Ind("Transaksi penjualan melalui katalog daring", "transaksi", "+", "J", 1000,
                 1500, 4000))),
    Prog("BRA-04", "Penataan wajah kota: alun-alun dan koridor Jalan Pemuda", BRA,
         "Penataan wajah kota", JM, 2024, 2027, "DPUPRPRKP", ("DISHUB", "KOMINFO"), R_INF,
         4500, ("APBD", "DAK"), (
             Ind("Videotron informasi publik terpasang", "titik", "+", "P", 2, 4, 12),
             Ind("Panjang koridor kota yang tertata", "km", "+", "P", 0.8, 1.5, 4, 1)),
         imbalance=True),
    Prog("BRA-05", "Kalender event daerah terintegrasi (Tuban Event)", BRA,
         "Branding pariwisata", QW, 2023, 2023, "DISPARBUDPORA", ("KOMINFO",), None, 250,
         ("APBD",), (
             Ind("Event daerah yang dipublikasikan di aplikasi", "event", "+", "J", 20, 40, 40),
             Ind("Unduhan aplikasi Tuban Event", "unduhan", "+", "J", 0, 15000, 15000))),
    # ------------------------------------------------------------ Smart Economy
    Prog("ECO-01", "Pembayaran retribusi non-tunai", ECO, "Ekosistem transaksi keuangan", QW,
         2023, 2023, "BPKPD", ("DISKOPUMDAG", "DISHUB"), None, 350, ("APBD",), (
             Ind("Jenis retribusi yang dapat dibayar non-tunai", "jenis", "+", "P", 3, 10, 10),
             Ind("Transaksi retribusi non-tunai", "transaksi", "+", "J", 12000, 40000,
                 40000))),
    Prog("ECO-02", "Elektronifikasi transaksi pemerintah daerah dan pajak daerah daring", ECO,
         "Ekosistem transaksi keuangan", JM, 2023, 2027, "BPKPD", ("KOMINFO",), R_GOV, 800,
         ("APBD",), (
             Ind("Penerimaan pajak daerah yang dibayar secara elektronik", "%", "+", "P", 40,
                 55, 90, 1, q=True),
             Ind("Rata-rata waktu rekonsiliasi penerimaan daerah", "hari", "-", "R", 10, 7, 2,
                 1))),
    Prog("ECO-03", "Pasar rakyat digital (QRIS dan e-retribusi pasar)", ECO,
         "Ekosistem transaksi keuangan", JM, 2024, 2027, "DISKOPUMDAG", ("BPKPD",), R_ECO,
         650, ("APBD", "BUMD"), (
             Ind("Pedagang pasar yang mulai menggunakan QRIS", "orang", "+", "J", 150, 300,
                 900, profile="stag"),
             Ind("Pasar rakyat yang menerapkan e-retribusi", "pasar", "+", "P", 2, 4, 17))),
    Prog("ECO-04", "Inkubasi dan pelatihan pemasaran digital UMKM", ECO, "Industri", JPJ,
         2023, 2030, "DISKOPUMDAG", ("KOMINFO", "DPMPTSP"), R_ECO, 750,
         ("APBD", "CSR/Swasta"), (
             Ind("Pelaku UMKM yang mengikuti pelatihan pemasaran digital", "orang", "+", "J",
                 300, 400, 800, q=True),
             Ind("UMKM binaan yang naik kelas", "unit usaha", "+", "J", 25, 30, 80))),
    Prog("ECO-05", "Data Terpadu Kesejahteraan Sosial (DTKS) daring berbasis desa", ECO,
         "Kesejahteraan rakyat", JPD, 2023, 2025, "DINSOS", ("DPMD", "DISDUKCAPIL"), R_SDM,
         550, ("APBD", "APBN"), (
             Ind("Desa/kelurahan yang memutakhirkan DTKS secara daring", "desa", "+", "P", 80,
                 150, 328),
             Ind("Rata-rata waktu verifikasi usulan bantuan sosial", "hari", "-", "R", 30, 25,
                 14))),
    Prog("ECO-06", "Tuban Invest: portal peluang investasi", ECO, "Industri", JPJ, 2025, 2030,
         "DPMPTSP", ("BAPPEDA",), R_ECO, 400, ("APBD",), (
             Ind("Calon investor yang difasilitasi melalui portal", "investor", "+", "J", 0,
                 20, 60, profile="crit"),
             Ind("Nilai minat investasi yang tercatat di portal", "miliar rupiah", "+", "J", 0,
                 150, 600, 1))),
    # ------------------------------------------------------------ Smart Living
    Prog("LIV-01", "Tuban Sehat: rekam medis elektronik puskesmas", LIV, "Kesehatan", JM,
         2023, 2027, "DINKES", ("KOMINFO",), R_SDM, 2200, ("APBD", "DAK"), (
             Ind("Puskesmas yang menerapkan rekam medis elektronik", "puskesmas", "+", "P", 5,
                 15, 33, q=True),
             Ind("Rata-rata waktu tunggu pelayanan rawat jalan", "menit", "-", "R", 75, 60,
                 30, profile="crit"))),
    Prog("LIV-02", "e-Posyandu: pencatatan tumbuh kembang balita digital", LIV, "Kesehatan",
         JM, 2024, 2026, "DINKES", ("DPMD", "KOMINFO"), R_SDM, 600, ("APBD", "ADD"), (
             Ind("Posyandu yang mencatat data balita secara digital", "posyandu", "+", "P", 0,
                 150, 600, q=True),
             Ind("Balita dengan status gizi terpantau bulanan", "%", "+", "P", 70, 80, 95, 1))),
    Prog("LIV-03", "Public Safety Center 119 dan ambulans siaga", LIV, "Kesehatan", QW, 2023,
         2023, "DINKES", ("KOMINFO",), None, 900, ("APBD",), (
             Ind("Rata-rata waktu tanggap panggilan darurat", "menit", "-", "R", 25, 15, 15),
             Ind("Panggilan darurat yang ditangani", "panggilan", "+", "J", 0, 4000, 4000))),
    Prog("LIV-04", "Manajemen lalu lintas cerdas (ATCS)", LIV, "Transportasi", JM, 2024, 2027,
         "DISHUB", ("KOMINFO", "SATPOLPP"), R_INF, 3200, ("APBD", "DAK", "APBN"), (
             Ind("Simpang yang terpasang ATCS", "titik", "+", "P", 2, 4, 12),
             Ind("Angka kecelakaan lalu lintas", "kejadian", "-", "J", 950, 900, 700, q=True)),
         imbalance=True),
    Prog("LIV-05", "Sistem informasi tata ruang (GISTARU Tuban)", LIV,
         "Harmonisasi tata ruang/lingkungan", JPD, 2023, 2025, "DPUPRPRKP",
         ("BAPPEDA", "DPMPTSP"), R_INF, 500, ("APBD",), (
             Ind("Layer peta tematik yang terpublikasi", "layer", "+", "P", 5, 20, 60),
             Ind("Rata-rata waktu layanan KKPR", "hari", "-", "R", 20, 14, 7))),
    Prog("LIV-06", "Parkir cerdas non-tunai", LIV, "Transportasi", JPJ, 2026, 2031, "DISHUB",
         ("BPKPD",), R_INF, 700, ("APBD",), (
             Ind("Titik parkir dengan pembayaran non-tunai", "titik", "+", "P", 0, 5, 40,
                 profile="lag"),
             Ind("Pendapatan parkir non-tunai", "juta rupiah", "+", "J", 0, 300, 2000, 1))),
    # ------------------------------------------------------------ Smart Society
    Prog("SOC-01", "Desa Digital (website dan internet desa)", SOC, "Komunitas", JPJ, 2023,
         2030, "DPMD", ("KOMINFO", "DISDUKCAPIL"), R_GOV, 1800, ("APBD", "Dana Desa", "ADD"), (
             Ind("Desa dengan website desa aktif", "desa", "+", "P", 45, 60, 250, q=True),
             Ind("Kantor desa yang terhubung internet", "desa", "+", "P", 180, 200, 311),
             Ind("Perangkat desa yang dilatih Sistem Informasi Desa", "orang", "+", "J", 0,
                 300, 300))),
    Prog("SOC-02", "Sekolah digital: kelas TIK dan rapor digital", SOC, "Ekosistem belajar",
         JM, 2023, 2027, "DISDIK", ("KOMINFO",), R_SDM, 2600, ("APBD", "DAK"), (
             Ind("SD/SMP negeri dengan akses internet dan perangkat TIK", "sekolah", "+", "P",
                 350, 420, 780, q=True),
             Ind("Guru yang tersertifikasi literasi digital", "orang", "+", "J", 500, 600,
                 900))),
    Prog("SOC-03", "Perpustakaan digital dan pojok baca desa", SOC, "Ekosistem belajar", JPJ,
         2024, 2030, "DISDIK", ("DPMD",), R_SDM, 450, ("APBD",), (
             Ind("Pengunjung perpustakaan digital", "orang", "+", "J", 15000, 20000, 60000),
             Ind("Desa dengan pojok baca digital", "desa", "+", "P", 10, 20, 120))),
    Prog("SOC-04", "CCTV dan command center", SOC, "Keamanan", JM, 2023, 2027, "KOMINFO",
         ("SATPOLPP", "DISHUB", "BPBD"), R_SOS, 3000, ("APBD", "CSR/Swasta"), (
             Ind("Titik CCTV yang terhubung ke command center", "titik", "+", "P", 40, 80, 300,
                 q=True),
             Ind("CCTV yang berfungsi baik", "%", "+", "P", 85, 88, 97, 1, profile="stag"))),
    Prog("SOC-05", "Sistem peringatan dini banjir Bengawan Solo", SOC, "Keamanan", JM, 2024,
         2027, "BPBD", ("KOMINFO", "DPUPRPRKP"), R_SOS, 1100, ("APBD", "APBN"), (
             Ind("Alat peringatan dini (EWS) terpasang dan berfungsi", "unit", "+", "P", 2, 4,
                 15),
             Ind("Rata-rata waktu penyampaian peringatan dini ke desa terdampak", "menit", "-",
                 "R", 60, 45, 10))),
    Prog("SOC-06", "Tuban Aman: aplikasi pelaporan gangguan ketertiban", SOC, "Keamanan", JPJ,
         2025, 2030, "SATPOLPP", ("KOMINFO",), R_SOS, 350, ("APBD",), (
             Ind("Laporan gangguan ketertiban yang ditangani", "laporan", "+", "J", 300, 350,
                 600),
             Ind("Rata-rata waktu respons petugas", "menit", "-", "R", 45, 40, 20))),
    Prog("SOC-07", "Layanan sosial terpadu (SLRT) daring", SOC, "Komunitas", JM, 2024, 2027,
         "DINSOS", ("DPMD",), R_SDM, 500, ("APBD", "APBN"), (
             Ind("Rumah tangga miskin yang terlayani SLRT", "KK", "+", "J", 2000, 2500, 4000,
                 profile="lag"),
             Ind("Rata-rata waktu layanan rujukan SLRT", "hari", "-", "R", 10, 7, 3))),
    # ------------------------------------------------------------ Smart Environment
    Prog("ENV-01", "Bank sampah digital", ENV, "Pengelolaan sampah dan limbah", JM, 2024, 2027,
         "DLH", ("DPMD", "DISKOPUMDAG"), R_INF, 800, ("APBD", "Dana Desa"), (
             Ind("Bank sampah yang tercatat di aplikasi", "unit", "+", "P", 10, 25, 120, q=True),
             Ind("Timbulan sampah ke TPA", "ton", "-", "J", 68000, 66000, 58000, q=True,
                 profile="lag"),
             Ind("Sampah terpilah di bank sampah", "ton", "+", "J", 1500, 2000, 6000, 1))),
    Prog("ENV-02", "Penerangan jalan umum tenaga surya", ENV, "Pengelolaan energi", JPJ, 2024,
         2030, "DISHUB", ("DPUPRPRKP",), R_INF, 3500, ("APBD", "DAK"), (
             Ind("Titik PJU tenaga surya terpasang", "titik", "+", "J", 0, 150, 300,
                 profile="crit"),
             Ind("Konsumsi listrik PJU jaringan PLN", "MWh", "-", "J", 9800, 9500, 7000)),
         imbalance=True),
    Prog("ENV-03", "Pemantauan kualitas lingkungan daring (ONLIMO)", ENV,
         "Proteksi lingkungan", JPJ, 2025, 2031, "DLH", (), R_INF, 900, ("APBD", "APBN"), (
             Ind("Stasiun pemantau kualitas lingkungan daring", "unit", "+", "P", 1, 2, 10),
             Ind("Indeks Kualitas Lingkungan Hidup", "indeks", "+", "P", 62.5, 63.5, 70, 2))),
    Prog("ENV-04", "Tuban Hijau: penanaman pohon terpetakan", ENV, "Proteksi lingkungan", QW,
         2023, 2023, "DLH", ("DPMD",), None, 300, ("APBD", "CSR/Swasta"), (
             Ind("Pohon yang ditanam dan terpetakan di aplikasi", "pohon", "+", "J", 0, 10000,
                 10000),
             Ind("Ruang terbuka hijau yang terpetakan", "titik", "+", "P", 30, 80, 80))),
    Prog("ENV-05", "Pelaporan limbah B3 industri daring", ENV, "Pengelolaan sampah dan limbah",
         JPD, 2023, 2025, "DLH", ("DPMPTSP",), R_INF, 350, ("APBD",), (
             Ind("Perusahaan yang melaporkan limbah B3 secara daring", "perusahaan", "+", "P",
                 20, 35, 60),
             Ind("Rata-rata waktu verifikasi manifest limbah B3", "hari", "-", "R", 5, 4, 2))),
)


@dataclass(frozen=True)
class Rollout:
    """Villages a program reaches: how many per funding year, where, and on which money.

    kind "desa" or "kelurahan"; ``district`` limits the pick to one kecamatan (code suffix).
    """

    program: str
    kind: str
    per_year: tuple[tuple[int, int], ...]      # (funding year, number of villages)
    sources: tuple[str, ...]
    district: str | None = None


ROLLOUTS: tuple[Rollout, ...] = (
    Rollout("SOC-01", "desa", ((2024, 10), (2025, 10), (2026, 10), (2027, 10)),
            ("Dana Desa", "Dana Desa", "ADD")),
    Rollout("BRA-02", "desa", ((2025, 4), (2026, 4), (2027, 4)), ("Dana Desa",)),
    Rollout("LIV-02", "desa", ((2025, 13), (2026, 12)), ("ADD",)),
    Rollout("ENV-01", "desa", ((2025, 5), (2026, 5), (2027, 5)), ("Dana Desa",)),
    Rollout("ENV-02", "desa", ((2024, 5), (2025, 5), (2026, 5), (2027, 5)), ("APBD",)),
    Rollout("GOV-08", "kelurahan", ((2025, 6), (2026, 6), (2027, 5)), ("APBD",)),
)

# Who misses which quarterly report entirely, and who tends to report late.
MISSED: frozenset[tuple[str, int, int]] = frozenset({
    ("DISPARBUDPORA", 2024, 2), ("SATPOLPP", 2025, 4), ("SATPOLPP", 2026, 3)})
OFTEN_LATE = ("BPBD", "DISDUKCAPIL")
SDTW_OPDS = ("DINKES", "DISHUB")          # declare cumulative (s.d. TW) values
TEXT_NUMBER_OPDS = ("DISDIK", "DINSOS")   # type numbers as Indonesian text (1.234,5; Rp ...)
# Corrected resubmissions: (OPD, year, TW, days after the first upload).
# DPMD's is a November update of village progress (after the BPD agreements of late October).
CORRECTIONS: tuple[tuple[str, int, int, int], ...] = (("DINKES", 2025, 2, 3),
                                                      ("DPMD", 2026, 3, 44))

# Obstacles and follow-ups as OPDs write them, per program (used when it lags) ...
KENDALA: dict[str, tuple[str, str]] = {
    "GOV-01": ("Sebagian OPD belum menunjuk walidata pendukung sehingga pemutakhiran data "
               "terlambat", "Surat Sekda kepada kepala OPD untuk menetapkan walidata dan "
               "jadwal pemutakhiran bulanan"),
    "GOV-02": ("Aduan lintas OPD menumpuk di disposisi; admin OPD sering berganti",
               "Bimtek ulang admin SP4N-LAPOR! dan batas waktu disposisi 3 hari"),
    "GOV-07": ("Aktivasi IKD terkendala ponsel warga yang tidak mendukung dan sinyal lemah di "
               "desa", "Jemput bola aktivasi IKD di sekolah dan kantor desa bersama "
               "operator kecamatan"),
    "BRA-02": ("Pokdarwis belum terbiasa mengelola pemesanan daring; paket wisata belum "
               "lengkap", "Pendampingan pokdarwis oleh Disparbudpora dan kerja sama dengan "
               "agen perjalanan daring"),
    "ECO-03": ("Pedagang enggan memakai QRIS karena biaya MDR dan pencairan yang lambat",
               "Sosialisasi bersama Bank Jatim dan BI tentang QRIS UMKM tanpa biaya MDR"),
    "ECO-06": ("Portal belum diluncurkan karena server baru belum tersedia di pusat data",
               "Koordinasi dengan Diskominfo untuk alokasi server sementara"),
    "LIV-01": ("Keterlambatan pengadaan perangkat karena e-katalog belum tayang",
               "Koordinasi dengan BPKPD untuk percepatan pencairan dan pengadaan lewat "
               "katalog elektronik lokal"),
    "LIV-06": ("Kerja sama dengan juru parkir dan penyedia pembayaran belum disepakati",
               "Rapat koordinasi dengan BPKPD dan paguyuban juru parkir"),
    "SOC-04": ("Beberapa kamera rusak tersambar petir dan menunggu suku cadang",
               "Klaim garansi ke penyedia dan pemasangan penangkal petir"),
    "SOC-07": ("Data rujukan SLRT belum padan dengan DTKS terbaru",
               "Pemadanan data bersama Dispendukcapil setiap bulan"),
    "ENV-01": ("Pemilahan sampah di rumah tangga masih rendah; armada pengangkut terbatas",
               "Gerakan pilah sampah dari rumah bersama PKK dan penambahan jadwal angkut"),
    "ENV-02": ("Lelang PJU tenaga surya gagal karena tidak ada penawaran yang memenuhi syarat",
               "Lelang ulang dan konsultasi dengan Bagian Pengadaan Barang/Jasa"),
    "SOC-01": ("Jaringan internet di desa blank spot", "Usulan BTS ke Komdigi (BAKTI)"),
}

# ... and a general pool for an occasional bad quarter in earlier years.
GENERAL_KENDALA: tuple[tuple[str, str], ...] = (
    ("Pencairan anggaran triwulan terlambat", "Koordinasi dengan BPKPD untuk percepatan "
     "pencairan"),
    ("Refocusing anggaran pada APBD Perubahan", "Penjadwalan ulang kegiatan ke triwulan IV"),
    ("Tenaga teknis terbatas karena mutasi pegawai", "Permintaan tambahan tenaga ke BKPSDM "
     "dan pelatihan staf baru"),
    ("Jaringan internet di desa blank spot", "Usulan BTS ke Komdigi (BAKTI)"),
    ("Data dari kecamatan belum lengkap", "Surat penegasan ke camat dan rekap ulang"),
    ("Penyedia terlambat menyelesaikan pekerjaan", "Teguran tertulis kepada penyedia dan "
     "penerapan denda keterlambatan"),
)

ON_TRACK_NOTES: tuple[str, ...] = (
    "Tidak ada kendala berarti", "Pelaksanaan sesuai jadwal", "-",
)

VILLAGE_NOTES: dict[str, str] = {
    "Masuk RKP Desa": "Tercantum dalam RKP Desa",
    "Masuk APBDes": "Disepakati bersama BPD",
    "Usulan Musrenbang": "Diusulkan melalui Musrenbang kecamatan",
    "Masuk RKPD": "Masuk RKPD",
    "Masuk APBD/DPA": "Tercantum dalam DPA",
    "Pelaksanaan": "Dalam pelaksanaan",
    "Beroperasi": "Sudah beroperasi",
}
