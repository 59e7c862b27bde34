"""The provincial catalogue of administrative procedures (TTHC) the one-stop system serves.

Procedure names follow the national procedure database; statutory times (working days) and fees (VND)
are typical values, not a legal reference. Procedure codes are synthetic but use the national format
(`1.00xxxx` provincial level, `2.00xxxx` commune level, plus the province suffix `.000.00.00.Hxx`).
After 2025 the commune People's Committees handle what districts used to; the department named here is
the one that manages the procedure in the provincial catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ma_linh_vuc, ten_linh_vuc
FIELDS = [
    ("TP-HT", "Hộ tịch"),
    ("TP-CT", "Chứng thực"),
    ("TP-LLTP", "Lý lịch tư pháp"),
    ("TP-TGPL", "Trợ giúp pháp lý"),
    ("NNMT-DD", "Đất đai"),
    ("NNMT-MT", "Môi trường"),
    ("NNMT-TY", "Thú y"),
    ("NNMT-ATTP", "Quản lý chất lượng nông lâm sản và thủy sản"),
    ("XD-HDXD", "Hoạt động xây dựng"),
    ("XD-DB", "Đường bộ"),
    ("TC-DN", "Thành lập và hoạt động của doanh nghiệp"),
    ("TC-HKD", "Thành lập và hoạt động của hộ kinh doanh"),
    ("TC-DT", "Đầu tư tại Việt Nam"),
    ("GD-VBCC", "Văn bằng, chứng chỉ"),
    ("GD-GDPT", "Giáo dục trung học"),
    ("YT-KCB", "Khám bệnh, chữa bệnh"),
    ("YT-DUOC", "Dược phẩm"),
    ("YT-BTXH", "Bảo trợ xã hội"),
    ("NV-VL", "Việc làm"),
    ("NV-NCC", "Người có công"),
    ("NV-TDKT", "Thi đua, khen thưởng"),
    ("CT-LTHH", "Lưu thông hàng hóa trong nước"),
    ("VH-DL", "Du lịch"),
    ("VH-VH", "Văn hóa cơ sở"),
    ("KHCN-ATBX", "An toàn bức xạ và hạt nhân"),
    ("CA-CT", "Đăng ký, quản lý cư trú"),
    ("CA-XNC", "Xuất nhập cảnh"),
    ("NGV-HNQT", "Hội nghị, hội thảo quốc tế"),
]

# Handling level: "xa" = commune People's Committee, "tinh" = department (received at the provincial
# public-service centre), "ca" = police (received at the police's own desks).
# (field, name, level, department, working days, fee VND, online level, relative volume, applicant)
# applicant: "cd" citizen, "dn" enterprise, "any" either (mostly citizens).
PROCEDURES = [
    ("TP-HT", "Đăng ký khai sinh", "xa", "STP", 1, 0, "toan_trinh", 10.0, "cd"),
    ("TP-HT", "Đăng ký khai tử", "xa", "STP", 1, 0, "toan_trinh", 3.0, "cd"),
    ("TP-HT", "Đăng ký kết hôn", "xa", "STP", 1, 0, "mot_phan", 3.0, "cd"),
    ("TP-HT", "Cấp bản sao Trích lục hộ tịch", "xa", "STP", 1, 8_000, "toan_trinh", 4.0, "cd"),
    ("TP-HT", "Cấp Giấy xác nhận tình trạng hôn nhân", "xa", "STP", 3, 0, "toan_trinh", 4.0, "cd"),
    ("TP-HT", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "xa", "STP", 3, 15_000, "mot_phan", 1.5, "cd"),
    ("TP-HT", "Đăng ký nhận cha, mẹ, con", "xa", "STP", 3, 15_000, "mot_phan", 0.4, "cd"),
    ("TP-CT", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "xa", "STP", 0, 2_000, "mot_phan", 12.0, "cd"),
    ("TP-CT", "Chứng thực chữ ký trong các giấy tờ, văn bản", "xa", "STP", 0, 10_000, "mot_phan", 3.0, "cd"),
    ("TP-CT", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "xa", "STP", 2, 50_000, "mot_phan", 1.0, "cd"),
    ("TP-LLTP", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "tinh", "STP", 10, 200_000, "toan_trinh", 3.0, "cd"),
    ("TP-TGPL", "Thủ tục yêu cầu trợ giúp pháp lý", "tinh", "STP", 3, 0, "toan_trinh", 0.3, "cd"),
    ("NNMT-DD", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu", "tinh", "SNNMT", 20, 100_000, "mot_phan", 3.0, "cd"),
    ("NNMT-DD", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng, tặng cho, thừa kế", "tinh", "SNNMT", 10, 50_000, "mot_phan", 5.0, "cd"),
    ("NNMT-DD", "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất", "tinh", "SNNMT", 3, 80_000, "toan_trinh", 2.5, "any"),
    ("NNMT-DD", "Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất", "tinh", "SNNMT", 3, 20_000, "toan_trinh", 1.5, "any"),
    ("NNMT-DD", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "tinh", "SNNMT", 7, 50_000, "mot_phan", 1.5, "cd"),
    ("NNMT-DD", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền", "xa", "SNNMT", 15, 0, "mot_phan", 0.8, "cd"),
    ("NNMT-DD", "Giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất", "tinh", "SNNMT", 20, 0, "mot_phan", 0.1, "dn"),
    ("NNMT-MT", "Cấp giấy phép môi trường", "tinh", "SNNMT", 30, 0, "mot_phan", 0.1, "dn"),
    ("NNMT-MT", "Thẩm định báo cáo đánh giá tác động môi trường", "tinh", "SNNMT", 30, 0, "mot_phan", 0.05, "dn"),
    ("NNMT-TY", "Kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn cấp tỉnh", "tinh", "SNNMT", 3, 0, "toan_trinh", 0.5, "any"),
    ("NNMT-ATTP", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông, lâm, thủy sản", "tinh", "SNNMT", 15, 0, "mot_phan", 0.3, "dn"),
    ("XD-HDXD", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "xa", "SXD", 15, 75_000, "mot_phan", 2.0, "cd"),
    ("XD-HDXD", "Cấp giấy phép xây dựng mới đối với công trình", "tinh", "SXD", 20, 150_000, "mot_phan", 0.3, "dn"),
    ("XD-HDXD", "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng", "tinh", "SXD", 35, 0, "mot_phan", 0.2, "dn"),
    ("XD-HDXD", "Cấp chứng chỉ hành nghề hoạt động xây dựng", "tinh", "SXD", 20, 300_000, "toan_trinh", 0.3, "cd"),
    ("XD-HDXD", "Cấp chứng chỉ năng lực hoạt động xây dựng", "tinh", "SXD", 20, 1_000_000, "toan_trinh", 0.2, "dn"),
    ("XD-DB", "Cấp phép thi công công trình trên đường bộ đang khai thác", "tinh", "SXD", 7, 0, "toan_trinh", 0.2, "dn"),
    ("XD-DB", "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô", "tinh", "SXD", 5, 200_000, "toan_trinh", 0.3, "dn"),
    ("XD-DB", "Cấp phù hiệu xe ô tô kinh doanh vận tải", "tinh", "SXD", 2, 0, "toan_trinh", 1.0, "dn"),
    ("TC-DN", "Đăng ký thành lập doanh nghiệp tư nhân", "tinh", "STC", 3, 50_000, "toan_trinh", 0.2, "cd"),
    ("TC-DN", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "tinh", "STC", 3, 50_000, "toan_trinh", 0.5, "cd"),
    ("TC-DN", "Đăng ký thành lập công ty cổ phần", "tinh", "STC", 3, 50_000, "toan_trinh", 0.15, "cd"),
    ("TC-DN", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "tinh", "STC", 3, 50_000, "toan_trinh", 1.2, "dn"),
    ("TC-DN", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo", "tinh", "STC", 3, 0, "toan_trinh", 0.4, "dn"),
    ("TC-DN", "Giải thể doanh nghiệp", "tinh", "STC", 5, 0, "toan_trinh", 0.15, "dn"),
    ("TC-HKD", "Đăng ký thành lập hộ kinh doanh", "xa", "STC", 3, 100_000, "toan_trinh", 1.5, "cd"),
    ("TC-HKD", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "xa", "STC", 3, 50_000, "toan_trinh", 0.5, "cd"),
    ("TC-DT", "Chấp thuận chủ trương đầu tư của Ủy ban nhân dân cấp tỉnh", "tinh", "STC", 35, 0, "mot_phan", 0.05, "dn"),
    ("TC-DT", "Điều chỉnh dự án đầu tư", "tinh", "STC", 25, 0, "mot_phan", 0.04, "dn"),
    ("GD-VBCC", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "tinh", "SGDDT", 1, 0, "toan_trinh", 0.8, "cd"),
    ("GD-VBCC", "Chỉnh sửa nội dung văn bằng, chứng chỉ", "tinh", "SGDDT", 5, 0, "toan_trinh", 0.2, "cd"),
    ("GD-GDPT", "Chuyển trường đối với học sinh trung học phổ thông", "tinh", "SGDDT", 3, 0, "toan_trinh", 0.4, "cd"),
    ("GD-GDPT", "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục", "tinh", "SGDDT", 20, 0, "mot_phan", 0.02, "dn"),
    ("YT-KCB", "Cấp giấy phép hành nghề khám bệnh, chữa bệnh", "tinh", "SYT", 20, 360_000, "mot_phan", 0.3, "cd"),
    ("YT-KCB", "Cấp giấy phép hoạt động đối với phòng khám đa khoa", "tinh", "SYT", 45, 4_300_000, "mot_phan", 0.02, "dn"),
    ("YT-DUOC", "Cấp Chứng chỉ hành nghề dược", "tinh", "SYT", 20, 500_000, "toan_trinh", 0.2, "cd"),
    ("YT-DUOC", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược", "tinh", "SYT", 30, 1_000_000, "mot_phan", 0.08, "dn"),
    ("YT-BTXH", "Trợ giúp xã hội thường xuyên tại cộng đồng", "xa", "SYT", 15, 0, "mot_phan", 1.0, "cd"),
    ("YT-BTXH", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "xa", "SYT", 5, 0, "mot_phan", 0.4, "cd"),
    ("YT-BTXH", "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật", "xa", "SYT", 25, 0, "mot_phan", 0.4, "cd"),
    ("NV-VL", "Giải quyết hưởng trợ cấp thất nghiệp", "tinh", "SNV", 20, 0, "mot_phan", 0.8, "cd"),
    ("NV-VL", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "tinh", "SNV", 5, 600_000, "toan_trinh", 0.05, "dn"),
    ("NV-NCC", "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ", "tinh", "SNV", 12, 0, "mot_phan", 0.2, "cd"),
    ("NV-TDKT", "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh", "tinh", "SNV", 20, 0, "mot_phan", 0.3, "any"),
    ("CT-LTHH", "Cấp Giấy phép bán lẻ sản phẩm rượu", "tinh", "SCT", 10, 1_200_000, "toan_trinh", 0.05, "dn"),
    ("CT-LTHH", "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu", "tinh", "SCT", 15, 1_200_000, "mot_phan", 0.03, "dn"),
    ("VH-DL", "Cấp thẻ hướng dẫn viên du lịch nội địa", "tinh", "SVHTTDL", 10, 650_000, "toan_trinh", 0.03, "cd"),
    ("VH-DL", "Công nhận hạng cơ sở lưu trú du lịch", "tinh", "SVHTTDL", 30, 1_500_000, "mot_phan", 0.02, "dn"),
    ("VH-VH", "Cấp giấy phép kinh doanh dịch vụ karaoke", "tinh", "SVHTTDL", 5, 4_000_000, "mot_phan", 0.03, "dn"),
    ("KHCN-ATBX", "Cấp giấy phép tiến hành công việc bức xạ - sử dụng thiết bị X-quang chẩn đoán trong y tế", "tinh", "SKHCN", 15, 0, "mot_phan", 0.03, "dn"),
    ("CA-CT", "Đăng ký thường trú", "ca", "CAT", 7, 20_000, "toan_trinh", 3.0, "cd"),
    ("CA-CT", "Đăng ký tạm trú", "ca", "CAT", 3, 15_000, "toan_trinh", 2.0, "cd"),
    ("CA-CT", "Xóa đăng ký thường trú", "ca", "CAT", 1, 0, "toan_trinh", 1.0, "cd"),
    ("CA-XNC", "Cấp hộ chiếu phổ thông ở trong nước", "ca", "CAT", 8, 200_000, "toan_trinh", 1.0, "cd"),
    ("NGV-HNQT", "Cho phép tổ chức hội nghị, hội thảo quốc tế thuộc thẩm quyền của Chủ tịch UBND tỉnh", "tinh", "SNGV", 10, 0, "toan_trinh", 0.02, "dn"),
]


@dataclass(frozen=True)
class Catalogue:
    field_codes: np.ndarray    # ma_linh_vuc
    field_names: np.ndarray    # ten_linh_vuc
    codes: np.ndarray          # ma_thu_tuc
    names: np.ndarray          # ten_thu_tuc
    field: np.ndarray          # int, row in field_codes
    level: np.ndarray          # str, xa | tinh | ca
    department: np.ndarray     # str, key of the managing department (agencies.index)
    days: np.ndarray           # int, statutory working days
    fee: np.ndarray            # int, VND
    online_level: np.ndarray   # toan_trinh | mot_phan
    volume: np.ndarray         # float, relative dossier volume
    applicant: np.ndarray      # cd | dn | any

    def __len__(self) -> int:
        return len(self.codes)


def build_catalogue(agency_suffix: str) -> Catalogue:
    field_codes = np.array([code for code, _ in FIELDS])
    field_row = {code: row for row, code in enumerate(field_codes)}
    codes = []
    for position, procedure in enumerate(PROCEDURES):
        national_level = "2" if procedure[2] == "xa" else "1"
        # A fixed, spread-out sequence so codes look like national codes without claiming to be them.
        codes.append(f"{national_level}.{(4021 + position * 7919) % 1_000_000:06d}.000.00.00.{agency_suffix}")
    columns = list(zip(*PROCEDURES))
    return Catalogue(
        field_codes=field_codes,
        field_names=np.array([name for _, name in FIELDS]),
        codes=np.array(codes),
        names=np.array(columns[1]),
        field=np.array([field_row[f] for f in columns[0]]),
        level=np.array(columns[2]),
        department=np.array(columns[3]),
        days=np.array(columns[4], dtype=np.int64),
        fee=np.array(columns[5], dtype=np.int64),
        online_level=np.array(columns[6]),
        volume=np.array(columns[7], dtype=np.float64),
        applicant=np.array(columns[8]),
    )
