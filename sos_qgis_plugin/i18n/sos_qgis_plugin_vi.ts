<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>Auth</name>
    <message>
        <location filename="../auth.py" line="61"/>
        <source>The token is empty. Paste the token that the SOS service gave you.</source>
        <translation>Mã truy cập (token) đang để trống. Hãy dán mã truy cập do dịch vụ SOS cấp.</translation>
    </message>
    <message>
        <location filename="../auth.py" line="145"/>
        <source>The stored token could not be removed from the QGIS authentication database.</source>
        <translation>Không xóa được mã truy cập đã lưu khỏi cơ sở dữ liệu xác thực của QGIS.</translation>
    </message>
    <message>
        <location filename="../auth.py" line="30"/>
        <source>The QGIS authentication system is disabled, so the token cannot be stored safely. Check the authentication settings of QGIS (Settings &gt; Options &gt; Authentication).</source>
        <translation>Hệ thống xác thực của QGIS đang bị tắt nên không thể lưu mã truy cập an toàn. Hãy kiểm tra cài đặt xác thực của QGIS (Cài đặt &gt; Tùy chọn &gt; Xác thực).</translation>
    </message>
    <message>
        <location filename="../auth.py" line="41"/>
        <source>The SOS token cannot be stored or read because the QGIS master password is not set. Enter the master password when QGIS asks for it, then try again.</source>
        <translation>Không lưu hoặc đọc được mã truy cập SOS vì chưa nhập mật khẩu chính của QGIS. Hãy nhập mật khẩu chính khi QGIS yêu cầu rồi thử lại.</translation>
    </message>
    <message>
        <location filename="../auth.py" line="84"/>
        <source>The token could not be saved in the QGIS authentication database. See the SOS log for details.</source>
        <translation>Không lưu được mã truy cập vào cơ sở dữ liệu xác thực của QGIS. Xem chi tiết trong nhật ký SOS.</translation>
    </message>
    <message>
        <location filename="../auth.py" line="105"/>
        <source>No token is stored for the SOS service. Use SOS &gt; Connect… to enter the service URL and token.</source>
        <translation>Chưa lưu mã truy cập cho dịch vụ SOS. Vào SOS &gt; Kết nối… để nhập địa chỉ dịch vụ và mã truy cập.</translation>
    </message>
    <message>
        <location filename="../auth.py" line="115"/>
        <source>The stored token was not found in the QGIS authentication database. Use SOS &gt; Connect… to enter the token again.</source>
        <translation>Không tìm thấy mã truy cập đã lưu trong cơ sở dữ liệu xác thực của QGIS. Vào SOS &gt; Kết nối… để nhập lại mã truy cập.</translation>
    </message>
    <message>
        <location filename="../auth.py" line="126"/>
        <source>The stored token could not be read from the QGIS authentication database. Use SOS &gt; Connect… to enter the token again.</source>
        <translation>Không đọc được mã truy cập đã lưu trong cơ sở dữ liệu xác thực của QGIS. Vào SOS &gt; Kết nối… để nhập lại mã truy cập.</translation>
    </message>
</context>
<context>
    <name>CaseDetailsDialog</name>
    <message>
        <location filename="../gui/case_details.py" line="101"/>
        <source>{minutes} min</source>
        <translation>{minutes} phút</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="102"/>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} giờ {minutes} phút</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="109"/>
        <source>not known</source>
        <translation>không rõ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="120"/>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="120"/>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="119"/>
        <source>not analysed</source>
        <translation>chưa phân tích</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="147"/>
        <source>No location: the case is not on the map.</source>
        <translation>Không có vị trí: trường hợp này không hiện trên bản đồ.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="150"/>
        <source>The coordinates look swapped. The point was not moved.</source>
        <translation>Tọa độ có vẻ bị đảo ngược. Điểm chưa được di chuyển.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="153"/>
        <source>The point lies outside the service area.</source>
        <translation>Điểm nằm ngoài khu vực phục vụ.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="156"/>
        <source>The location is the centre of a shape the citizen sent.</source>
        <translation>Vị trí là tâm của hình mà người dân đã gửi.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="159"/>
        <source>The number of people was not a number. See the text as reported.</source>
        <translation>Số người không phải là một con số. Xem nội dung gốc.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="162"/>
        <source>The number of people was impossible, so it is not counted.</source>
        <translation>Số người không hợp lệ nên không được tính.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="165"/>
        <source>The number of households was not a number.</source>
        <translation>Số hộ không phải là một con số.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="168"/>
        <source>The number of households was impossible, so it is not counted.</source>
        <translation>Số hộ không hợp lệ nên không được tính.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="171"/>
        <source>The report had no time, so the time it was received is used.</source>
        <translation>Báo cáo không có thời gian nên dùng thời điểm nhận được.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="174"/>
        <source>The urgency was not one of low, medium, high or critical.</source>
        <translation>Mức khẩn cấp không thuộc thấp, trung bình, cao hoặc nguy cấp.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="177"/>
        <source>Some needs were not recognised and were left out.</source>
        <translation>Một số nhu cầu không nhận dạng được nên đã bị bỏ qua.</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="187"/>
        <source>Up to date with the server</source>
        <translation>Đã khớp với máy chủ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="189"/>
        <source>Status change waiting to be sent</source>
        <translation>Thay đổi trạng thái đang chờ gửi</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="190"/>
        <source>Status change sent, waiting for the server</source>
        <translation>Đã gửi thay đổi trạng thái, đang chờ máy chủ xác nhận</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="191"/>
        <source>Conflict: someone else changed this case first</source>
        <translation>Xung đột: người khác đã thay đổi trường hợp này trước</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="194"/>
        <source>Status change failed</source>
        <translation>Thay đổi trạng thái thất bại</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="244"/>
        <source>Case {}</source>
        <translation>Trường hợp {}</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="248"/>
        <source>Details</source>
        <translation>Chi tiết</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="249"/>
        <source>History</source>
        <translation>Lịch sử</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="320"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="336"/>
        <source>People</source>
        <translation>Số người</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="304"/>
        <source>Reporter</source>
        <translation>Người báo</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="305"/>
        <source>Hazards and priority</source>
        <translation>Thiên tai và mức ưu tiên</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="306"/>
        <source>Location</source>
        <translation>Vị trí</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="307"/>
        <source>Data quality and sync</source>
        <translation>Chất lượng dữ liệu và đồng bộ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="321"/>
        <source>External id</source>
        <translation>Mã bên ngoài</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="322"/>
        <source>Source</source>
        <translation>Nguồn</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="323"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="324"/>
        <source>Waiting</source>
        <translation>Thời gian chờ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="325"/>
        <source>Urgency</source>
        <translation>Mức khẩn cấp</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="326"/>
        <source>Needs</source>
        <translation>Nhu cầu</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="327"/>
        <source>Description</source>
        <translation>Mô tả</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="328"/>
        <source>Reported</source>
        <translation>Thời điểm báo</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="329"/>
        <source>Last changed</source>
        <translation>Thay đổi lần cuối</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="330"/>
        <source>Version</source>
        <translation>Phiên bản</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="331"/>
        <source>Duplicate of</source>
        <translation>Trùng với</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="337"/>
        <source>People as reported</source>
        <translation>Số người theo báo cáo gốc</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="338"/>
        <source>Households</source>
        <translation>Số hộ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="339"/>
        <source>Children</source>
        <translation>Có trẻ em</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="340"/>
        <source>Elderly</source>
        <translation>Có người cao tuổi</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="341"/>
        <source>People with disabilities</source>
        <translation>Có người khuyết tật</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="351"/>
        <source>Name</source>
        <translation>Họ tên</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="352"/>
        <source>Phone</source>
        <translation>Số điện thoại</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="360"/>
        <source>Priority</source>
        <translation>Mức ưu tiên</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="361"/>
        <source>Why</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="362"/>
        <source>In flood</source>
        <translation>Trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="363"/>
        <source>Flood depth</source>
        <translation>Độ sâu ngập</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="374"/>
        <source>{} m</source>
        <translation>{} m</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="368"/>
        <source>Flood events nearby</source>
        <translation>Điểm ngập lụt lân cận</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="369"/>
        <source>In landslide zone</source>
        <translation>Trong vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="374"/>
        <source>Distance to landslide</source>
        <translation>Khoảng cách đến điểm sạt lở</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="379"/>
        <source>Hazard note</source>
        <translation>Ghi chú về thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="380"/>
        <source>Analysed</source>
        <translation>Thời điểm phân tích</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="390"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="391"/>
        <source>Commune</source>
        <translation>Xã/phường</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="392"/>
        <source>Latitude</source>
        <translation>Vĩ độ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="393"/>
        <source>Longitude</source>
        <translation>Kinh độ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="394"/>
        <source>Location note</source>
        <translation>Ghi chú vị trí</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="401"/>
        <source>Quality flags</source>
        <translation>Cảnh báo chất lượng</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="401"/>
        <source>None</source>
        <translation>Không có</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="402"/>
        <source>Sync</source>
        <translation>Đồng bộ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="413"/>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="413"/>
        <source>From</source>
        <translation>Từ</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="413"/>
        <source>To</source>
        <translation>Thành</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="413"/>
        <source>By</source>
        <translation>Người thực hiện</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="413"/>
        <source>Team</source>
        <translation>Đội</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="413"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="430"/>
        <source>Loading history…</source>
        <translation>Đang tải lịch sử…</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="436"/>
        <source>The history could not be loaded: {}</source>
        <translation>Không tải được lịch sử: {}</translation>
    </message>
    <message>
        <location filename="../gui/case_details.py" line="464"/>
        <source>This case has no history yet.</source>
        <translation>Trường hợp này chưa có lịch sử.</translation>
    </message>
</context>
<context>
    <name>CaseLoadTask</name>
    <message>
        <location filename="../gui/case_table.py" line="260"/>
        <source>Reading SOS cases</source>
        <translation>Đang đọc các trường hợp SOS</translation>
    </message>
</context>
<context>
    <name>CaseStatusMapTool</name>
    <message>
        <location filename="../gui/map_tool.py" line="153"/>
        <source>Details…</source>
        <translation>Chi tiết…</translation>
    </message>
    <message>
        <location filename="../gui/map_tool.py" line="155"/>
        <source>Set status with note…</source>
        <translation>Đặt trạng thái kèm ghi chú…</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>Priority</source>
        <translation>Ưu tiên</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>Waiting</source>
        <translation>Thời gian chờ</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>People</source>
        <translation>Số người</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>Hazard</source>
        <translation>Nguy cơ</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>Commune</source>
        <translation>Xã</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="343"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="557"/>
        <source>{} d {} h</source>
        <translation>{} ngày {} giờ</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="560"/>
        <source>{} h {} min</source>
        <translation>{} giờ {} phút</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="561"/>
        <source>{} min</source>
        <translation>{} phút</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="566"/>
        <source>Flood</source>
        <translation>Ngập lụt</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="568"/>
        <source>Landslide</source>
        <translation>Sạt lở</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="578"/>
        <source>New since you last looked</source>
        <translation>Mới kể từ lần bạn xem trước</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="582"/>
        <source>Number of people unknown</source>
        <translation>Chưa rõ số người</translation>
    </message>
    <message>
        <location filename="../gui/case_table.py" line="584"/>
        <source>Not analysed yet</source>
        <translation>Chưa phân tích</translation>
    </message>
</context>
<context>
    <name>ConflictDialog</name>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>Their status</source>
        <translation>Trạng thái của họ</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>Changed by</source>
        <translation>Người thay đổi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>Changed at</source>
        <translation>Thời điểm thay đổi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>My status</source>
        <translation>Trạng thái của tôi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>My note</source>
        <translation>Ghi chú của tôi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="63"/>
        <source>Choice</source>
        <translation>Lựa chọn</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.ui" line="48"/>
        <source>Keep theirs</source>
        <translation>Giữ của họ</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.ui" line="55"/>
        <source>Apply mine</source>
        <translation>Áp dụng của tôi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.ui" line="14"/>
        <source>Resolve status conflicts</source>
        <translation>Giải quyết xung đột trạng thái</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.ui" line="26"/>
        <source>Someone else changed these cases before your change arrived. For each case, keep their status or apply yours on top of it. Cases without a choice stay in conflict.</source>
        <translation>Người khác đã thay đổi các trường hợp này trước khi thay đổi của bạn đến máy chủ. Với mỗi trường hợp, hãy giữ trạng thái của họ hoặc áp dụng trạng thái của bạn lên trên. Trường hợp chưa được chọn sẽ vẫn ở trạng thái xung đột.</translation>
    </message>
</context>
<context>
    <name>ConnectDialog</name>
    <message>
        <location filename="../gui/connect_dialog.py" line="48"/>
        <source>A token is stored. Leave the field empty to keep it.</source>
        <translation>Đã lưu mã truy cập. Để trống ô này nếu muốn giữ mã cũ.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="50"/>
        <source>Paste the token that the SOS service gave you.</source>
        <translation>Dán mã truy cập do dịch vụ SOS cấp.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.ui" line="39"/>
        <source>Token</source>
        <translation>Mã truy cập</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="83"/>
        <source>Testing the connection…</source>
        <translation>Đang kiểm tra kết nối…</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="88"/>
        <source>SOS: test connection</source>
        <translation>SOS: kiểm tra kết nối</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="102"/>
        <source>The connection failed: {reason}</source>
        <translation>Kết nối thất bại: {reason}</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="106"/>
        <source>The connection test was cancelled.</source>
        <translation>Đã hủy kiểm tra kết nối.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="109"/>
        <source>Connected: the service answered and accepted the token.</source>
        <translation>Đã kết nối: dịch vụ đã phản hồi và chấp nhận mã truy cập.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="123"/>
        <source>Enter the token that the SOS service gave you.</source>
        <translation>Nhập mã truy cập do dịch vụ SOS cấp.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.ui" line="14"/>
        <source>Connect to the SOS service</source>
        <translation>Kết nối tới dịch vụ SOS</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.ui" line="22"/>
        <source>Service URL</source>
        <translation>Địa chỉ dịch vụ (URL)</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.ui" line="32"/>
        <source>https://sos.example.org</source>
        <translation>https://sos.example.org</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.ui" line="70"/>
        <source>Test connection</source>
        <translation>Kiểm tra kết nối</translation>
    </message>
</context>
<context>
    <name>Dependencies</name>
    <message>
        <location filename="../dependencies.py" line="114"/>
        <source>{name} {required} is not installed</source>
        <translation>chưa cài đặt {name} {required}</translation>
    </message>
    <message>
        <location filename="../dependencies.py" line="120"/>
        <source>{name} {required} is needed, {found} is installed</source>
        <translation>cần {name} {required}, máy đang có bản {found}</translation>
    </message>
    <message>
        <location filename="../dependencies.py" line="87"/>
        <source>Close QGIS, open the OSGeo4W Shell from the Start menu and run: python -m pip install {packages}</source>
        <translation>Đóng QGIS, mở OSGeo4W Shell từ menu Start và chạy lệnh: python -m pip install {packages}</translation>
    </message>
    <message>
        <location filename="../dependencies.py" line="95"/>
        <source>Close QGIS, open Terminal and run: /Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install --user {packages}</source>
        <translation>Đóng QGIS, mở Terminal và chạy lệnh: /Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install --user {packages}</translation>
    </message>
    <message>
        <location filename="../dependencies.py" line="102"/>
        <source>Install your distribution&apos;s python3-shapely package if it is version 2 or later, or run: python3 -m pip install --user --break-system-packages {packages}</source>
        <translation>Cài gói python3-shapely của bản phân phối Linux nếu gói đó là phiên bản 2 trở lên, hoặc chạy lệnh: python3 -m pip install --user --break-system-packages {packages}</translation>
    </message>
</context>
<context>
    <name>FailedChangesDialog</name>
    <message>
        <location filename="../plugin.py" line="98"/>
        <source>Retry failed status changes</source>
        <translation>Thử lại các thay đổi trạng thái bị lỗi</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="102"/>
        <source>The server did not apply these status changes. Send them again, each based on the case version it was made from?</source>
        <translation>Máy chủ chưa áp dụng các thay đổi trạng thái này. Gửi lại chúng, mỗi thay đổi vẫn dựa trên phiên bản của trường hợp lúc thay đổi được tạo?</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="115"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="116"/>
        <source>Requested status</source>
        <translation>Trạng thái yêu cầu</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="117"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="118"/>
        <source>Last error</source>
        <translation>Lỗi gần nhất</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="140"/>
        <source>Send again</source>
        <translation>Gửi lại</translation>
    </message>
</context>
<context>
    <name>HazardSourcesDialog</name>
    <message>
        <location filename="../gui/hazard_sources.py" line="245"/>
        <source>Hazard sources</source>
        <translation>Nguồn dữ liệu thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="249"/>
        <source>Hazard layers</source>
        <translation>Lớp thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="258"/>
        <source>Add file…</source>
        <translation>Thêm tệp…</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="282"/>
        <source>Not a hazard layer</source>
        <translation>Không phải lớp thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="490"/>
        <source>Flood</source>
        <translation>Ngập lụt</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="491"/>
        <source>Landslide</source>
        <translation>Sạt lở</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="481"/>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="288"/>
        <source>Zones (polygons)</source>
        <translation>Vùng (đa giác)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="289"/>
        <source>Events (points with a danger radius)</source>
        <translation>Sự kiện (điểm có bán kính nguy hiểm)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="290"/>
        <source>Raster value</source>
        <translation>Giá trị raster</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="291"/>
        <source>Role</source>
        <translation>Vai trò</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="293"/>
        <source>Class field</source>
        <translation>Trường phân cấp</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="295"/>
        <source>Depth field (m)</source>
        <translation>Trường độ sâu (m)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="301"/>
        <source>default</source>
        <translation>mặc định</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="302"/>
        <source>Danger radius</source>
        <translation>Bán kính nguy hiểm</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="304"/>
        <source>Radius field (m)</source>
        <translation>Trường bán kính (m)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="308"/>
        <source>In zone from raster value</source>
        <translation>Trong vùng từ giá trị raster</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="313"/>
        <source>Apply to layer</source>
        <translation>Áp dụng cho lớp</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="335"/>
        <source>{} (flood)</source>
        <translation>{} (ngập lụt)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="337"/>
        <source>{} (landslide)</source>
        <translation>{} (sạt lở)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="341"/>
        <source>[display only]</source>
        <translation>[chỉ hiển thị]</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="374"/>
        <source>(none)</source>
        <translation>(không có)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="385"/>
        <source>This layer shows pictures from a map service (WMS, WMTS or XYZ). It is for display only: its values cannot be sampled, so the analysis leaves it out.</source>
        <translation>Lớp này hiển thị hình ảnh từ một dịch vụ bản đồ (WMS, WMTS hoặc XYZ). Lớp chỉ để hiển thị: không thể lấy giá trị của nó, nên phân tích bỏ qua lớp này.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="434"/>
        <source>Open a hazard layer</source>
        <translation>Mở lớp thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="434"/>
        <source>Vector and raster files (*.gpkg *.shp *.geojson *.json *.tif *.tiff *.asc *.vrt);;All files (*)</source>
        <translation>Tệp vector và raster (*.gpkg *.shp *.geojson *.json *.tif *.tiff *.asc *.vrt);;Mọi tệp (*)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="444"/>
        <source>QGIS cannot open {} as a vector or raster layer.</source>
        <translation>QGIS không mở được {} dưới dạng lớp vector hoặc raster.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="453"/>
        <source>Services</source>
        <translation>Dịch vụ</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="460"/>
        <source>Save service</source>
        <translation>Lưu dịch vụ</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="462"/>
        <source>Remove</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="471"/>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="473"/>
        <source>WMS (display only)</source>
        <translation>WMS (chỉ hiển thị)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="473"/>
        <source>WMTS (display only)</source>
        <translation>WMTS (chỉ hiển thị)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="473"/>
        <source>XYZ tiles (display only)</source>
        <translation>Ô lưới XYZ (chỉ hiển thị)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="473"/>
        <source>WFS</source>
        <translation>WFS</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="473"/>
        <source>OGC API Features</source>
        <translation>OGC API Features</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="484"/>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="486"/>
        <source>Layer or collection</source>
        <translation>Lớp hoặc bộ sưu tập</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="488"/>
        <source>CRS (WMS, WMTS)</source>
        <translation>Hệ tọa độ (WMS, WMTS)</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="492"/>
        <source>Hazard kind</source>
        <translation>Loại thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="493"/>
        <source>Add to map</source>
        <translation>Thêm vào bản đồ</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="535"/>
        <source>Hazard service</source>
        <translation>Dịch vụ thiên tai</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="81"/>
        <source>Enter the URL of the service.</source>
        <translation>Hãy nhập URL của dịch vụ.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="621"/>
        <source>The service {} could not be opened. Check the URL, the layer name and the network.</source>
        <translation>Không mở được dịch vụ {}. Hãy kiểm tra URL, tên lớp và kết nối mạng.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="83"/>
        <source>The URL is {} characters long; a service URL may have at most {}.</source>
        <translation>URL dài {} ký tự; URL của dịch vụ chỉ được dài tối đa {} ký tự.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="87"/>
        <source>The URL contains a control character (such as NUL or a line break). Type or paste it again.</source>
        <translation>URL chứa ký tự điều khiển (như NUL hoặc dấu xuống dòng). Hãy gõ hoặc dán lại.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="92"/>
        <source>The URL contains a space. Write a space in a URL as %20.</source>
        <translation>URL chứa dấu cách. Trong URL, hãy viết dấu cách thành %20.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="101"/>
        <source>The URL must start with http:// or https://, not {}.</source>
        <translation>URL phải bắt đầu bằng http:// hoặc https://, không phải {}.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="105"/>
        <source>The URL {} has no host name.</source>
        <translation>URL {} không có tên máy chủ.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="206"/>
        <source>Opening the service {}</source>
        <translation>Đang mở dịch vụ {}</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="504"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="582"/>
        <source>Another service is being opened. Wait for it or cancel it.</source>
        <translation>Đang mở một dịch vụ khác. Hãy chờ hoặc hủy việc đó.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="593"/>
        <source>Opening the service {}…</source>
        <translation>Đang mở dịch vụ {}…</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="604"/>
        <source>Opening the service was cancelled.</source>
        <translation>Đã hủy việc mở dịch vụ.</translation>
    </message>
    <message>
        <location filename="../gui/hazard_sources.py" line="632"/>
        <source>The layer {} was added to the map.</source>
        <translation>Đã thêm lớp {} vào bản đồ.</translation>
    </message>
</context>
<context>
    <name>Network</name>
    <message>
        <location filename="../network.py" line="74"/>
        <source>The CA certificate file {path} does not exist. Fix the path in the SOS settings.</source>
        <translation>Không có tệp chứng chỉ CA {path}. Hãy sửa đường dẫn trong cài đặt SOS.</translation>
    </message>
    <message>
        <location filename="../network.py" line="116"/>
        <source>No SOS service is configured. Use SOS &gt; Connect… to enter the service URL and token.</source>
        <translation>Chưa cấu hình dịch vụ SOS. Vào SOS &gt; Kết nối… để nhập địa chỉ dịch vụ và mã truy cập.</translation>
    </message>
    <message>
        <location filename="../network.py" line="92"/>
        <source>The service URL {url} is not valid. Enter a URL that starts with https:// or http://.</source>
        <translation>Địa chỉ dịch vụ {url} không hợp lệ. Hãy nhập địa chỉ bắt đầu bằng https:// hoặc http://.</translation>
    </message>
</context>
<context>
    <name>PriorityText</name>
    <message>
        <location filename="../priority_text.py" line="94"/>
        <source>{units}.{tenths}</source>
        <translation>{units},{tenths}</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="100"/>
        <source>low urgency</source>
        <translation>khẩn cấp thấp</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="101"/>
        <source>medium urgency</source>
        <translation>khẩn cấp trung bình</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="102"/>
        <source>high urgency</source>
        <translation>khẩn cấp cao</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="103"/>
        <source>critical</source>
        <translation>nguy cấp</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="105"/>
        <source>urgency unknown</source>
        <translation>chưa rõ mức khẩn cấp</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="110"/>
        <source>people unknown</source>
        <translation>chưa rõ số người</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="113"/>
        <source>1 household</source>
        <translation>1 hộ</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="114"/>
        <source>{} households</source>
        <translation>{} hộ</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="116"/>
        <source>1 person</source>
        <translation>1 người</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="117"/>
        <source>{} people</source>
        <translation>{} người</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="123"/>
        <source>children</source>
        <translation>trẻ em</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="125"/>
        <source>elderly</source>
        <translation>người cao tuổi</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="127"/>
        <source>disabilities</source>
        <translation>người khuyết tật</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="139"/>
        <source>in flood</source>
        <translation>ngập</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="141"/>
        <source>in flood {} m</source>
        <translation>ngập {} m</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="144"/>
        <source>in landslide zone</source>
        <translation>vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="148"/>
        <source>hazards not analysed</source>
        <translation>chưa phân tích nguy cơ</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="150"/>
        <source>flood unknown</source>
        <translation>chưa rõ ngập</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="151"/>
        <source>landslide unknown</source>
        <translation>chưa rõ sạt lở</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="156"/>
        <source>waiting {} min</source>
        <translation>chờ {} phút</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="157"/>
        <source>waiting {} h</source>
        <translation>chờ {} giờ</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="267"/>
        <source>unknown status</source>
        <translation>trạng thái không xác định</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="269"/>
        <source>closed: {}</source>
        <translation>đã đóng: {}</translation>
    </message>
    <message>
        <location filename="../priority_text.py" line="268"/>
        <source>no creation time</source>
        <translation>không có thời điểm tạo</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <location filename="../gui/report_dialog.py" line="67"/>
        <source>Situation report</source>
        <translation>Báo cáo tình hình</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="71"/>
        <source>PDF files (*.pdf)</source>
        <translation>Tệp PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="72"/>
        <source>Save the situation report as</source>
        <translation>Lưu báo cáo tình hình thành</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="76"/>
        <source>Situation report: SOS cases</source>
        <translation>Báo cáo tình hình: các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="86"/>
        <source>Layers drawn under the cases on the map and listed in the legend</source>
        <translation>Các lớp vẽ bên dưới các trường hợp trên bản đồ và có trong chú giải</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="99"/>
        <source>Write report</source>
        <translation>Xuất báo cáo</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="107"/>
        <source>Output PDF</source>
        <translation>Tệp PDF đầu ra</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="108"/>
        <source>Title</source>
        <translation>Tiêu đề</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="109"/>
        <source>Admin layer (optional)</source>
        <translation>Lớp địa giới hành chính (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="110"/>
        <source>Hazard layers</source>
        <translation>Các lớp nguy cơ</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="165"/>
        <source>Choose the file to write the report to.</source>
        <translation>Hãy chọn tệp để ghi báo cáo.</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="180"/>
        <source>The commune table needs the Python package shapely 2. Install it or clear the admin layer.</source>
        <translation>Bảng theo xã cần gói Python shapely 2. Hãy cài đặt gói này hoặc bỏ chọn lớp địa giới hành chính.</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="200"/>
        <source>The report was cancelled.</source>
        <translation>Đã hủy báo cáo.</translation>
    </message>
    <message>
        <location filename="../gui/report_dialog.py" line="231"/>
        <source>Report written to {}</source>
        <translation>Đã ghi báo cáo vào {}</translation>
    </message>
</context>
<context>
    <name>SendResultsDialog</name>
    <message>
        <location filename="../gui/results_dialog.py" line="73"/>
        <source>Done</source>
        <translation>Đã xong</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="74"/>
        <source>Conflict</source>
        <translation>Xung đột</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="75"/>
        <source>Failed</source>
        <translation>Thất bại</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="76"/>
        <source>Waiting to retry</source>
        <translation>Chờ gửi lại</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="90"/>
        <source>Someone changed the case first; it is now {status}. Use Resolve conflicts… to choose.</source>
        <translation>Người khác đã thay đổi trường hợp này trước; hiện trạng thái là {status}. Dùng Giải quyết xung đột… để chọn.</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="94"/>
        <source>Someone changed the case first. Use Resolve conflicts… to choose.</source>
        <translation>Người khác đã thay đổi trường hợp này trước. Dùng Giải quyết xung đột… để chọn.</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="98"/>
        <source>Replaced by a newer change of this case.</source>
        <translation>Đã được thay bằng một thay đổi mới hơn của trường hợp này.</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="100"/>
        <source>The service has no case with this id.</source>
        <translation>Dịch vụ không có trường hợp nào với mã này.</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="102"/>
        <source>Not sent yet.</source>
        <translation>Chưa gửi.</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="185"/>
        <source>Status changes sent</source>
        <translation>Các thay đổi trạng thái đã gửi</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="207"/>
        <source>Copy</source>
        <translation>Sao chép</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="208"/>
        <source>Copy the table as tab-separated text, for a spreadsheet or a chat</source>
        <translation>Sao chép bảng dưới dạng văn bản phân cách bằng tab, để dán vào bảng tính hoặc tin nhắn</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="224"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="225"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="226"/>
        <source>Requested status</source>
        <translation>Trạng thái yêu cầu</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="227"/>
        <source>Outcome</source>
        <translation>Kết quả</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="228"/>
        <source>Reason</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <location filename="../gui/results_dialog.py" line="251"/>
        <source>{total} cases: {done} done, {conflict} conflicts, {failed} failed, {waiting} waiting to retry.</source>
        <translation>{total} trường hợp: {done} đã xong, {conflict} xung đột, {failed} thất bại, {waiting} chờ gửi lại.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../gui/settings_dialog.py" line="62"/>
        <source>SOS settings</source>
        <translation>Cài đặt SOS</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="100"/>
        <source>SOS service</source>
        <translation>Dịch vụ SOS</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="105"/>
        <source>Service URL</source>
        <translation>Địa chỉ dịch vụ</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="108"/>
        <source>Authentication</source>
        <translation>Xác thực</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="112"/>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation>Chứng chỉ PEM (*.pem *.crt);;Mọi tệp (*)</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="113"/>
        <source>Extra certificate authorities for a service with a private certificate. Leave empty.</source>
        <translation>Các tổ chức cấp chứng chỉ bổ sung cho dịch vụ dùng chứng chỉ riêng. Thường để trống.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="116"/>
        <source>CA certificates</source>
        <translation>Chứng chỉ CA</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="120"/>
        <source> s</source>
        <translation> giây</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="121"/>
        <source>How often the cases are fetched again, in seconds.</source>
        <translation>Khoảng thời gian giữa hai lần tải lại các trường hợp, tính bằng giây.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="122"/>
        <source>Refresh interval</source>
        <translation>Chu kỳ làm mới</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="126"/>
        <source>Service area and hazards</source>
        <translation>Vùng phục vụ và nguy cơ</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="129"/>
        <source>Rectangle (WGS 84 degrees)</source>
        <translation>Hình chữ nhật (độ WGS 84)</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="130"/>
        <source>Polygon layer</source>
        <translation>Lớp vùng</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="137"/>
        <source>Service area</source>
        <translation>Vùng phục vụ</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="141"/>
        <source>Minimum longitude</source>
        <translation>Kinh độ nhỏ nhất</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="141"/>
        <source>Minimum latitude</source>
        <translation>Vĩ độ nhỏ nhất</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="141"/>
        <source>Maximum longitude</source>
        <translation>Kinh độ lớn nhất</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="141"/>
        <source>Maximum latitude</source>
        <translation>Vĩ độ lớn nhất</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="158"/>
        <source>Rectangle</source>
        <translation>Hình chữ nhật</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="163"/>
        <source>Area layer</source>
        <translation>Lớp vùng phục vụ</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="168"/>
        <source>Commune polygons for filters and the per-commune summary.</source>
        <translation>Ranh giới xã dùng để lọc và tổng hợp theo xã.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="169"/>
        <source>Commune layer</source>
        <translation>Lớp xã</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="175"/>
        <source>Cases closer than this to a landslide point are in its zone.</source>
        <translation>Trường hợp cách điểm sạt lở gần hơn khoảng này thì nằm trong vùng sạt lở.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="176"/>
        <source>Landslide radius</source>
        <translation>Bán kính sạt lở</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="182"/>
        <source>Priority weights</source>
        <translation>Trọng số ưu tiên</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="185"/>
        <source>Urgency</source>
        <translation>Mức khẩn cấp</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="186"/>
        <source>People</source>
        <translation>Số người</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="187"/>
        <source>Vulnerable people</source>
        <translation>Người dễ bị tổn thương</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="188"/>
        <source>Hazard</source>
        <translation>Nguy cơ</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="189"/>
        <source>Waiting time</source>
        <translation>Thời gian chờ</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="200"/>
        <source>Restore defaults</source>
        <translation>Khôi phục mặc định</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="206"/>
        <source>Files</source>
        <translation>Tệp</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="211"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="212"/>
        <source>Cases GeoPackage</source>
        <translation>GeoPackage các trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="216"/>
        <source>Report folder</source>
        <translation>Thư mục báo cáo</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="279"/>
        <source>Enter a URL that starts with https:// or http://, or leave the field empty.</source>
        <translation>Hãy nhập địa chỉ bắt đầu bằng https:// hoặc http://, hoặc để trống ô này.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="285"/>
        <source>This file does not exist.</source>
        <translation>Tệp này không tồn tại.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="289"/>
        <source>Each minimum must be less than its maximum.</source>
        <translation>Mỗi giá trị nhỏ nhất phải nhỏ hơn giá trị lớn nhất tương ứng.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="291"/>
        <source>Choose a polygon layer, or use a rectangle.</source>
        <translation>Hãy chọn một lớp vùng, hoặc dùng hình chữ nhật.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="294"/>
        <source>At least one weight must be more than 0.</source>
        <translation>Phải có ít nhất một trọng số lớn hơn 0.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="298"/>
        <source>Enter a file name that ends with .gpkg.</source>
        <translation>Hãy nhập tên tệp có đuôi .gpkg.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="302"/>
        <source>This folder does not exist and cannot be created here.</source>
        <translation>Thư mục này không tồn tại và không thể tạo ở đây.</translation>
    </message>
    <message>
        <location filename="../gui/settings_dialog.py" line="360"/>
        <source>This folder could not be created: {reason}</source>
        <translation>Không thể tạo thư mục này: {reason}</translation>
    </message>
</context>
<context>
    <name>SosAnalyseHazards</name>
    <message>
        <location filename="../processing/analyse_hazards.py" line="67"/>
        <source>Analyse hazards for SOS cases</source>
        <translation>Phân tích nguy cơ thiên tai cho các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="84"/>
        <source>Case layer</source>
        <translation>Lớp trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="91"/>
        <source>Flood layers</source>
        <translation>Các lớp ngập lụt</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="99"/>
        <source>Landslide layers</source>
        <translation>Các lớp sạt lở</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="107"/>
        <source>Landslide radius</source>
        <translation>Bán kính sạt lở</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="123"/>
        <source>Cases in a flood zone</source>
        <translation>Số trường hợp trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="123"/>
        <source>Cases in or near a landslide zone</source>
        <translation>Số trường hợp trong hoặc gần vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="123"/>
        <source>Cases with unknown flood status</source>
        <translation>Số trường hợp chưa xác định được tình trạng ngập</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="123"/>
        <source>Hazard geometries repaired</source>
        <translation>Số hình học nguy cơ đã sửa</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="142"/>
        <source>The input layer is not an SOS case layer: it has no field id.</source>
        <translation>Lớp đầu vào không phải lớp trường hợp SOS: lớp không có trường id.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="150"/>
        <source>Choose at least one flood or landslide layer.</source>
        <translation>Hãy chọn ít nhất một lớp ngập lụt hoặc sạt lở.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="204"/>
        <source>Hazard fields written for {} cases.</source>
        <translation>Đã ghi các trường nguy cơ cho {} trường hợp.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="70"/>
        <source>Checks every case of the case layer against flood layers (polygons, or rasters of depth in metres) and landslide layers (zones as polygons, past events as points), in any CRS, and writes in_flood, flood_event_count, in_landslide_zone, landslide_distance_m, hazard_note and priority into the case layer. A case counts as near a landslide within the landslide radius, in metres, unless a point has its own radius in a field radius_m or danger_radius_m. A case that cannot be analysed gets an empty (unknown) value, never &apos;not in flood&apos;. Invalid hazard polygons are repaired and counted. The priority uses the weights of the plugin&apos;s settings, and priority_reason says in a few words why. With an admin layer, each case&apos;s commune_code and commune_name are filled too.</source>
        <translation>Đối chiếu từng trường hợp của lớp trường hợp SOS với các lớp ngập lụt (vùng đa giác, hoặc raster độ sâu tính bằng mét) và các lớp sạt lở (vùng đa giác, điểm sạt lở đã xảy ra), ở bất kỳ hệ tọa độ nào, rồi ghi in_flood, flood_event_count, in_landslide_zone, landslide_distance_m, hazard_note và priority vào lớp trường hợp SOS. Một trường hợp được coi là gần sạt lở khi nằm trong bán kính sạt lở (tính bằng mét), trừ khi điểm sạt lở có bán kính riêng trong trường radius_m hoặc danger_radius_m. Trường hợp không phân tích được sẽ để trống (chưa xác định), không bao giờ ghi là 'không ngập'. Các đa giác nguy cơ không hợp lệ được sửa và đếm lại. Mức ưu tiên dùng các trọng số trong phần cài đặt của plugin, và priority_reason nói ngắn gọn lý do. Khi có lớp địa giới hành chính, commune_code và commune_name của từng trường hợp cũng được điền.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="115"/>
        <source>Admin layer (communes)</source>
        <translation>Lớp địa giới hành chính (xã/phường)</translation>
    </message>
</context>
<context>
    <name>SosButtons</name>
    <message>
        <location filename="../gui/__init__.py" line="60"/>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="61"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="62"/>
        <source>Close</source>
        <translation>Đóng</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="63"/>
        <source>Apply</source>
        <translation>Áp dụng</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="64"/>
        <source>Save</source>
        <translation>Lưu</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="65"/>
        <source>Help</source>
        <translation>Trợ giúp</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="66"/>
        <source>Reset</source>
        <translation>Đặt lại</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="67"/>
        <source>Restore Defaults</source>
        <translation>Khôi phục mặc định</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="68"/>
        <source>Yes</source>
        <translation>Có</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="69"/>
        <source>No</source>
        <translation>Không</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="70"/>
        <source>Discard</source>
        <translation>Bỏ</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="71"/>
        <source>Open</source>
        <translation>Mở</translation>
    </message>
    <message>
        <location filename="../gui/__init__.py" line="72"/>
        <source>Retry</source>
        <translation>Thử lại</translation>
    </message>
</context>
<context>
    <name>SosCaseLayer</name>
    <message>
        <location filename="../case_layer.py" line="186"/>
        <source>Could not open the case layer {} in {}.</source>
        <translation>Không mở được lớp trường hợp SOS {} trong {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="229"/>
        <source>Could not create the layer {} in {}.</source>
        <translation>Không tạo được lớp {} trong {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="244"/>
        <source>Could not add the missing fields to the case layer {}.</source>
        <translation>Không thêm được các trường còn thiếu vào lớp trường hợp SOS {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="785"/>
        <source>Could not write the cases to the layer {}.</source>
        <translation>Không ghi được các trường hợp vào lớp {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="975"/>
        <source>Could not store the sync state in {}.</source>
        <translation>Không lưu được trạng thái đồng bộ vào {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="817"/>
        <source>Could not read the outbox {}.</source>
        <translation>Không đọc được hàng đợi gửi {}.</translation>
    </message>
</context>
<context>
    <name>SosCommuneSummaryAlgorithm</name>
    <message>
        <location filename="../processing/commune_summary.py" line="53"/>
        <source>Summarise SOS cases by commune</source>
        <translation>Tổng hợp các trường hợp SOS theo xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="71"/>
        <source>Case layer</source>
        <translation>Lớp trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="78"/>
        <source>Commune layer</source>
        <translation>Lớp xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="85"/>
        <source>Commune code field</source>
        <translation>Trường mã xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="93"/>
        <source>Commune name field</source>
        <translation>Trường tên xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="101"/>
        <source>Commune summary</source>
        <translation>Tổng hợp theo xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="108"/>
        <source>CSV file</source>
        <translation>Tệp CSV</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="108"/>
        <source>CSV files (*.csv)</source>
        <translation>Tệp CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="117"/>
        <source>Excel file</source>
        <translation>Tệp Excel</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="117"/>
        <source>Excel files (*.xlsx)</source>
        <translation>Tệp Excel (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="138"/>
        <source>The input layer is not an SOS case layer: it has no field status.</source>
        <translation>Lớp đầu vào không phải là lớp trường hợp SOS: lớp này không có trường status.</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="199"/>
        <source>{} communes, {} cases in a commune, {} outside, {} without a location.</source>
        <translation>{} xã/phường, {} trường hợp trong một xã/phường, {} ở ngoài, {} không có vị trí.</translation>
    </message>
    <message>
        <location filename="../processing/commune_summary.py" line="56"/>
        <source>Counts the cases of the case layer in each commune of the admin layer: cases by status, people and households still waiting (needs help or in progress), and how many of those wait in a flood zone or a landslide zone, as the last hazard analysis found. A case whose people count is unknown is counted apart, never as 0. The table has one row per commune in Vietnamese alphabetical order, then a row for cases outside every commune and one for cases without a location. The code and name fields are guessed when left empty. The CSV file is UTF-8 with a byte order mark and English column names; the XLSX file has translated column headers. A file name without an extension gets .csv or .xlsx, and one with another extension is refused. A warning is shown when the commune layer does not overlap the cases (often latitude and longitude swapped).</source>
        <translation>Đếm các trường hợp của lớp trường hợp SOS trong từng xã/phường của lớp địa giới hành chính: số trường hợp theo trạng thái, số người và số hộ còn đang chờ (cần hỗ trợ hoặc đang hỗ trợ), và trong số đó bao nhiêu đang chờ trong vùng ngập hoặc vùng sạt lở theo lần phân tích nguy cơ gần nhất. Trường hợp chưa rõ số người được đếm riêng, không bao giờ tính là 0. Bảng có một dòng cho mỗi xã/phường theo thứ tự chữ cái tiếng Việt, sau đó là một dòng cho các trường hợp nằm ngoài mọi xã/phường và một dòng cho các trường hợp không có vị trí. Khi để trống, trường mã và trường tên sẽ được tự đoán. Tệp CSV dùng mã hóa UTF-8 có BOM và tên cột tiếng Anh; tệp XLSX có tiêu đề cột đã dịch. Tên tệp không có phần mở rộng sẽ được thêm .csv hoặc .xlsx; tên tệp có phần mở rộng khác sẽ bị từ chối. Một cảnh báo được hiển thị khi lớp xã/phường không chồng lên các trường hợp (thường do vĩ độ và kinh độ bị đảo).</translation>
    </message>
</context>
<context>
    <name>SosCommunes</name>
    <message>
        <location filename="../admin_layers.py" line="101"/>
        <source>The admin layer {layer} has no field {field}.</source>
        <translation>Lớp địa giới hành chính {layer} không có trường {field}.</translation>
    </message>
    <message>
        <location filename="../admin_layers.py" line="131"/>
        <source>The admin layer is missing or cannot be read.</source>
        <translation>Chưa có lớp địa giới hành chính hoặc không đọc được lớp này.</translation>
    </message>
    <message>
        <location filename="../admin_layers.py" line="155"/>
        <source>No commune code or name field was found in the admin layer {layer}. Choose the fields by hand.</source>
        <translation>Không tìm thấy trường mã hay trường tên xã/phường trong lớp địa giới hành chính {layer}. Hãy tự chọn các trường này.</translation>
    </message>
    <message>
        <location filename="../admin_layers.py" line="321"/>
        <source>The communes could not be written into the case layer {layer}.</source>
        <translation>Không ghi được xã/phường vào lớp trường hợp SOS {layer}.</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="41"/>
        <source>Outside every commune</source>
        <translation>Ngoài mọi xã/phường</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="42"/>
        <source>No location</source>
        <translation>Không có vị trí</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Code</source>
        <translation>Mã</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Commune</source>
        <translation>Xã/phường</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Needs help</source>
        <translation>Cần hỗ trợ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>In progress</source>
        <translation>Đang hỗ trợ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Supported</source>
        <translation>Đã hỗ trợ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Unreachable</source>
        <translation>Không liên lạc được</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Duplicate</source>
        <translation>Trùng lặp</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>All cases</source>
        <translation>Tổng số trường hợp</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting</source>
        <translation>Số trường hợp đang chờ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>People waiting</source>
        <translation>Số người đang chờ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting, people unknown</source>
        <translation>Số trường hợp đang chờ chưa rõ số người</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Households waiting</source>
        <translation>Số hộ đang chờ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting, households unknown</source>
        <translation>Số trường hợp đang chờ chưa rõ số hộ</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting in flood</source>
        <translation>Số trường hợp đang chờ trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>People waiting in flood</source>
        <translation>Số người đang chờ trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting, flood not analysed</source>
        <translation>Số trường hợp đang chờ chưa phân tích ngập</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting in a landslide zone</source>
        <translation>Số trường hợp đang chờ trong vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>People waiting in a landslide zone</source>
        <translation>Số người đang chờ trong vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../core/communes.py" line="133"/>
        <source>Cases waiting, landslide not analysed</source>
        <translation>Số trường hợp đang chờ chưa phân tích sạt lở</translation>
    </message>
    <message>
        <location filename="../summary.py" line="55"/>
        <source>SOS commune summary</source>
        <translation>Tổng hợp SOS theo xã/phường</translation>
    </message>
    <message>
        <location filename="../summary.py" line="91"/>
        <source>The case layer is missing or cannot be read.</source>
        <translation>Chưa có lớp trường hợp SOS hoặc không đọc được lớp này.</translation>
    </message>
    <message>
        <location filename="../summary.py" line="350"/>
        <source>The commune summary could not be written to {path}.</source>
        <translation>Không ghi được bảng tổng hợp theo xã/phường vào {path}.</translation>
    </message>
    <message>
        <location filename="../summary.py" line="379"/>
        <source>Summarising SOS cases by commune</source>
        <translation>Đang tổng hợp các trường hợp SOS theo xã/phường</translation>
    </message>
    <message>
        <location filename="../admin_layers.py" line="141"/>
        <source>The admin layer {layer} has no polygons ({type}). Choose a polygon layer of communes.</source>
        <translation>Lớp địa giới hành chính {layer} không có đa giác ({type}). Hãy chọn một lớp đa giác xã/phường.</translation>
    </message>
    <message>
        <location filename="../admin_layers.py" line="229"/>
        <source>The commune layer does not overlap the cases, but would with x and y swapped: its coordinates look like latitude, longitude instead of longitude, latitude (axis order). Every case counts as outside every commune until the layer or its CRS is fixed.</source>
        <translation>Lớp xã/phường không chồng lên các trường hợp, nhưng sẽ chồng lên nếu đảo x và y: tọa độ của lớp có vẻ là vĩ độ, kinh độ thay vì kinh độ, vĩ độ (thứ tự trục). Mọi trường hợp đều bị tính là nằm ngoài mọi xã/phường cho đến khi lớp hoặc hệ tọa độ của lớp được sửa.</translation>
    </message>
    <message>
        <location filename="../admin_layers.py" line="236"/>
        <source>The commune layer does not overlap the cases, so every case counts as outside every commune. A likely cause is axis order (latitude and longitude swapped) or a wrong CRS on the layer.</source>
        <translation>Lớp xã/phường không chồng lên các trường hợp, nên mọi trường hợp đều bị tính là nằm ngoài mọi xã/phường. Nguyên nhân có thể là thứ tự trục (vĩ độ và kinh độ bị đảo) hoặc lớp bị gán sai hệ tọa độ.</translation>
    </message>
    <message>
        <location filename="../summary.py" line="263"/>
        <source>The file {path} must end with {extension} for this format.</source>
        <translation>Tệp {path} phải có phần mở rộng {extension} cho định dạng này.</translation>
    </message>
    <message>
        <location filename="../summary.py" line="271"/>
        <source>The folder {folder} does not exist. Choose an existing folder.</source>
        <translation>Thư mục {folder} không tồn tại. Hãy chọn một thư mục đã có.</translation>
    </message>
</context>
<context>
    <name>SosDock</name>
    <message>
        <location filename="../gui/dock.py" line="160"/>
        <source>SOS cases</source>
        <translation>Các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="247"/>
        <source>Mark all as seen</source>
        <translation>Đánh dấu tất cả là đã xem</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="268"/>
        <source>Fetch now</source>
        <translation>Tải ngay</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="898"/>
        <source>Pause</source>
        <translation>Tạm dừng</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="274"/>
        <source>Pause or resume the automatic refresh</source>
        <translation>Tạm dừng hoặc tiếp tục tự động cập nhật</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="276"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="285"/>
        <source>Settings…</source>
        <translation>Cài đặt…</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="290"/>
        <source>Hazard sources…</source>
        <translation>Nguồn dữ liệu thiên tai…</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="293"/>
        <source>Commune summary…</source>
        <translation>Tổng hợp theo xã…</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="298"/>
        <source>Situation report…</source>
        <translation>Báo cáo tình hình…</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="309"/>
        <source>More</source>
        <translation>Thêm</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="323"/>
        <source>Search address, description, name, id</source>
        <translation>Tìm theo địa chỉ, mô tả, tên, mã</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="840"/>
        <source>All statuses</source>
        <translation>Mọi trạng thái</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="333"/>
        <source>Open cases only</source>
        <translation>Chỉ các trường hợp đang mở</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="348"/>
        <source>Any hazard</source>
        <translation>Mọi nguy cơ</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="349"/>
        <source>In flood</source>
        <translation>Trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="350"/>
        <source>In landslide zone</source>
        <translation>Trong vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="351"/>
        <source>No hazard</source>
        <translation>Không có nguy cơ</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="359"/>
        <source>Polygon layer of the communes used by the commune filter</source>
        <translation>Lớp đa giác ranh giới xã dùng cho bộ lọc theo xã</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="362"/>
        <source>Communes from:</source>
        <translation>Ranh giới xã từ:</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="478"/>
        <source>Not connected</source>
        <translation>Chưa kết nối</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="479"/>
        <source>Live</source>
        <translation>Trực tuyến</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="480"/>
        <source>Paused</source>
        <translation>Đã tạm dừng</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="481"/>
        <source>Offline</source>
        <translation>Mất kết nối</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="482"/>
        <source>Error</source>
        <translation>Lỗi</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="489"/>
        <source>Last sync: never</source>
        <translation>Lần đồng bộ cuối: chưa có</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="491"/>
        <source>Last sync: {}</source>
        <translation>Lần đồng bộ cuối: {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="500"/>
        <source>Data is stale since {}</source>
        <translation>Dữ liệu chưa được cập nhật kể từ {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="761"/>
        <source>SOS</source>
        <translation>SOS</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="803"/>
        <source>All communes</source>
        <translation>Mọi xã</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="804"/>
        <source>Outside every commune</source>
        <translation>Ngoài mọi xã</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="844"/>
        <source>Open cases</source>
        <translation>Trường hợp đang mở</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="846"/>
        <source>{} statuses</source>
        <translation>{} trạng thái</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="857"/>
        <source>{}: {}</source>
        <translation>{}: {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="858"/>
        <source>No cases</source>
        <translation>Không có trường hợp nào</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="861"/>
        <source>People waiting: {} · cases with unknown count: {}</source>
        <translation>Số người đang chờ: {} · số trường hợp chưa rõ số người: {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="865"/>
        <source>People waiting: {}</source>
        <translation>Số người đang chờ: {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="867"/>
        <source>Households waiting: {} · cases with unknown count: {}</source>
        <translation>Số hộ đang chờ: {} · số trường hợp chưa rõ số hộ: {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="871"/>
        <source>Households waiting: {}</source>
        <translation>Số hộ đang chờ: {}</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="876"/>
        <source>Showing {} of {} cases</source>
        <translation>Đang hiển thị {} trên {} trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="884"/>
        <source>{} new</source>
        <translation>{} mới</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="898"/>
        <source>Resume</source>
        <translation>Tiếp tục</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="1001"/>
        <source>Set status…</source>
        <translation>Đặt trạng thái…</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="1005"/>
        <source>Details…</source>
        <translation>Chi tiết…</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="1008"/>
        <source>Zoom to case</source>
        <translation>Phóng tới trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/dock.py" line="786"/>
        <source>Commune without code or name {}</source>
        <translation>Xã/phường không có mã và tên {}</translation>
    </message>
</context>
<context>
    <name>SosErrors</name>
    <message>
        <location filename="../gui/__init__.py" line="38"/>
        <source>An unexpected error happened. See the SOS log for details.</source>
        <translation>Đã xảy ra lỗi không lường trước. Xem chi tiết trong nhật ký SOS.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="344"/>
        <source>The server&apos;s list of cases is not a GeoJSON FeatureCollection.</source>
        <translation>Danh sách trường hợp do máy chủ gửi không phải là GeoJSON FeatureCollection.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="377"/>
        <source>The server sent case {case_id} without a version.</source>
        <translation>Máy chủ gửi trường hợp {case_id} mà không có số phiên bản.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="467"/>
        <source>The server&apos;s history of case {case_id} has no list of entries.</source>
        <translation>Lịch sử trường hợp {case_id} do máy chủ gửi không có danh sách các mục.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="597"/>
        <source>The server redirected a change (HTTP {status}) to {host}. The change was not sent there. Check the service URL.</source>
        <translation>Máy chủ chuyển hướng một thay đổi (HTTP {status}) sang {host}. Thay đổi không được gửi tới đó. Hãy kiểm tra địa chỉ dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="611"/>
        <source>The server redirected the request more than {count} times. Check the service URL.</source>
        <translation>Máy chủ chuyển hướng yêu cầu quá {count} lần. Hãy kiểm tra địa chỉ dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="721"/>
        <source>Could not connect to {host} within {seconds:g} seconds. Check the network and the proxy.</source>
        <translation>Không kết nối được tới {host} trong vòng {seconds:g} giây. Hãy kiểm tra mạng và máy chủ proxy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="724"/>
        <source>The server {host} did not answer within {seconds:g} seconds. Try again later.</source>
        <translation>Máy chủ {host} không phản hồi trong vòng {seconds:g} giây. Hãy thử lại sau.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="727"/>
        <source>The secure connection to {host} failed: its certificate is not trusted.</source>
        <translation>Kết nối bảo mật tới {host} thất bại: chứng chỉ của máy chủ không được tin cậy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="730"/>
        <source>Could not connect to {host} through the proxy. Check the proxy settings.</source>
        <translation>Không kết nối được tới {host} qua máy chủ proxy. Hãy kiểm tra cài đặt proxy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="738"/>
        <source>Could not connect to {host}. Check the network and the service URL.</source>
        <translation>Không kết nối được tới {host}. Hãy kiểm tra mạng và địa chỉ dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="759"/>
        <source>The server did not accept the sign-in (HTTP {status}). Sign in again.</source>
        <translation>Máy chủ không chấp nhận đăng nhập (HTTP {status}). Hãy đăng nhập lại.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="768"/>
        <source>Your account is not allowed to do this (HTTP {status}): {explanation}</source>
        <translation>Tài khoản của bạn không có quyền thực hiện thao tác này (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="777"/>
        <source>Not found on the server (HTTP {status}): {explanation}</source>
        <translation>Không tìm thấy trên máy chủ (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="787"/>
        <source>Someone else changed this case first (HTTP {status}). Compare both values and decide.</source>
        <translation>Người khác đã thay đổi trường hợp này trước (HTTP {status}). Hãy so sánh hai giá trị rồi quyết định.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="839"/>
        <source>The server answered with a web page (HTTP {status}). Check the service URL and the proxy.</source>
        <translation>Máy chủ trả về một trang web (HTTP {status}). Hãy kiểm tra địa chỉ dịch vụ và máy chủ proxy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="806"/>
        <source>The server is busy and asked to slow down (HTTP {status}). Try again in a minute.</source>
        <translation>Máy chủ đang quá tải và yêu cầu giảm tần suất gửi (HTTP {status}). Hãy thử lại sau một phút.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="815"/>
        <source>The server failed to handle the request (HTTP {status}): {explanation}</source>
        <translation>Máy chủ không xử lý được yêu cầu (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="823"/>
        <source>The server rejected the request (HTTP {status}): {explanation}</source>
        <translation>Máy chủ từ chối yêu cầu (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="851"/>
        <source>The server answered with data that is not JSON (HTTP {status}).</source>
        <translation>Máy chủ trả về dữ liệu không phải JSON (HTTP {status}).</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="946"/>
        <source>The server returned {count} results for {expected} status changes.</source>
        <translation>Máy chủ trả về {count} kết quả cho {expected} thay đổi trạng thái.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="959"/>
        <source>The server returned the result for case {result_id} where case {case_id} was expected.</source>
        <translation>Máy chủ trả về kết quả của trường hợp {result_id} trong khi cần kết quả của trường hợp {case_id}.</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="180"/>
        <source>invalid {name}: expected text, got {value}</source>
        <translation>{name} không hợp lệ: cần văn bản, nhận được {value}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="204"/>
        <source>invalid id: expected text, got {value}</source>
        <translation>id không hợp lệ: cần văn bản, nhận được {value}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="216"/>
        <source>unknown status {value}</source>
        <translation>không nhận dạng được trạng thái {value}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="272"/>
        <source>invalid {name}: expected true or false, got {value}</source>
        <translation>{name} không hợp lệ: cần true hoặc false, nhận được {value}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="309"/>
        <source>invalid phone: expected text, got a {kind}</source>
        <translation>số điện thoại không hợp lệ: cần văn bản, nhận được kiểu {kind}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="329"/>
        <source>invalid version {value}: expected a whole number of 0 or more</source>
        <translation>phiên bản {value} không hợp lệ: cần số nguyên từ 0 trở lên</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="383"/>
        <source>invalid coordinate {value}: expected a dot-decimal number</source>
        <translation>tọa độ {value} không hợp lệ: cần số thập phân dùng dấu chấm</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="391"/>
        <source>invalid position {value}: expected [longitude, latitude]</source>
        <translation>vị trí {value} không hợp lệ: cần [kinh độ, vĩ độ]</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="527"/>
        <source>invalid {kind} coordinates {value}</source>
        <translation>tọa độ {kind} {value} không hợp lệ</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="405"/>
        <source>coordinates out of range: [{x}, {y}] (longitude must be within ±180, latitude within ±90)</source>
        <translation>tọa độ nằm ngoài phạm vi: [{x}, {y}] (kinh độ phải trong khoảng ±180, vĩ độ trong khoảng ±90)</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="558"/>
        <source>invalid geometry {value}</source>
        <translation>hình học {value} không hợp lệ</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="489"/>
        <source>invalid GeometryCollection: expected a list of geometries</source>
        <translation>GeometryCollection không hợp lệ: cần một danh sách các hình học</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="495"/>
        <source>unknown geometry type {value}</source>
        <translation>không nhận dạng được kiểu hình học {value}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="657"/>
        <source>invalid feature: expected a JSON object, got {value}</source>
        <translation>đối tượng không hợp lệ: cần một đối tượng JSON, nhận được {value}</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="660"/>
        <source>invalid feature type {value}</source>
        <translation>kiểu đối tượng {value} không hợp lệ</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="666"/>
        <source>invalid properties: expected a JSON object, got {value}</source>
        <translation>thuộc tính (properties) không hợp lệ: cần một đối tượng JSON, nhận được {value}</translation>
    </message>
    <message>
        <location filename="../core/sync.py" line="21"/>
        <source>The fetch of cases was cancelled.</source>
        <translation>Đã hủy tải các trường hợp.</translation>
    </message>
    <message>
        <location filename="../core/sync.py" line="22"/>
        <source>Paging through the cases failed because the server&apos;s next link repeats an earlier page. Try again later, or report it to the service operator.</source>
        <translation>Không tải hết được các trang trường hợp vì liên kết next của máy chủ trỏ lại một trang đã đọc. Hãy thử lại sau, hoặc báo cho đơn vị vận hành dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/sync.py" line="152"/>
        <source>Case {case_id}: {reason}</source>
        <translation>Trường hợp {case_id}: {reason}</translation>
    </message>
    <message>
        <location filename="../core/sync.py" line="155"/>
        <source>Case without id: {reason}</source>
        <translation>Trường hợp không có id: {reason}</translation>
    </message>
    <message>
        <location filename="../core/sync.py" line="173"/>
        <source>Case without id: the server sent no id.</source>
        <translation>Trường hợp không có id: máy chủ không gửi id.</translation>
    </message>
    <message>
        <location filename="../core/timeutil.py" line="25"/>
        <source>invalid time &apos;{value}&apos;: expected RFC 3339 such as 2025-11-19T10:15:00+07:00, or YYYY-MM-DD hh:mm[:ss] in Vietnam time</source>
        <translation>thời gian '{value}' không hợp lệ: cần định dạng RFC 3339 như 2025-11-19T10:15:00+07:00, hoặc YYYY-MM-DD hh:mm[:ss] theo giờ Việt Nam</translation>
    </message>
    <message>
        <location filename="../core/timeutil.py" line="28"/>
        <source>{name}: invalid time &apos;{value}&apos;: expected RFC 3339 such as 2025-11-19T10:15:00+07:00, or YYYY-MM-DD hh:mm[:ss] in Vietnam time</source>
        <translation>{name}: thời gian '{value}' không hợp lệ: cần định dạng RFC 3339 như 2025-11-19T10:15:00+07:00, hoặc YYYY-MM-DD hh:mm[:ss] theo giờ Việt Nam</translation>
    </message>
    <message>
        <location filename="../core/timeutil.py" line="26"/>
        <source>invalid time &apos;{value}&apos;: in UTC it falls outside the years 1 to 9999</source>
        <translation>thời gian '{value}' không hợp lệ: theo giờ UTC, nó nằm ngoài khoảng năm 1 đến 9999</translation>
    </message>
    <message>
        <location filename="../core/timeutil.py" line="30"/>
        <source>{name}: {reason}</source>
        <translation>{name}: {reason}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="677"/>
        <source>The server&apos;s response is larger than {megabytes:g} MiB, so it was not read. Check the service URL, or ask for fewer cases per page.</source>
        <translation>Phản hồi của máy chủ lớn hơn {megabytes:g} MiB nên không được đọc. Hãy kiểm tra địa chỉ dịch vụ, hoặc yêu cầu ít trường hợp hơn trên mỗi trang.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="718"/>
        <source>The server {host} did not answer in full within {seconds:g} seconds. Try again later.</source>
        <translation>Máy chủ {host} không phản hồi đầy đủ trong vòng {seconds:g} giây. Hãy thử lại sau.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="735"/>
        <source>The connection to {host} broke before the whole response arrived. Try again.</source>
        <translation>Kết nối tới {host} bị ngắt trước khi nhận đủ phản hồi. Hãy thử lại.</translation>
    </message>
    <message>
        <location filename="../core/outbox.py" line="90"/>
        <source>The server&apos;s results do not match the status changes sent. The changes are kept and will be sent again.</source>
        <translation>Kết quả của máy chủ không khớp với các thay đổi trạng thái đã gửi. Các thay đổi được giữ lại và sẽ được gửi lại.</translation>
    </message>
    <message>
        <location filename="../core/records.py" line="672"/>
        <source>not an SOS case: an area with none of the fields external_id, description, people_count, household_count, phone, address, created_at</source>
        <translation>không phải trường hợp SOS: một vùng không có trường nào trong số external_id, description, people_count, household_count, phone, address, created_at</translation>
    </message>
</context>
<context>
    <name>SosFetchCases</name>
    <message>
        <location filename="../processing/fetch_cases.py" line="67"/>
        <source>Fetch SOS cases</source>
        <translation>Tải các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="81"/>
        <source>Service URL</source>
        <translation>Địa chỉ dịch vụ (URL)</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="86"/>
        <source>Authentication configuration (token)</source>
        <translation>Cấu hình xác thực (mã truy cập)</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="92"/>
        <source>Service area</source>
        <translation>Khu vực phục vụ</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="97"/>
        <source>Cases GeoPackage</source>
        <translation>Tệp GeoPackage chứa các trường hợp</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="97"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="104"/>
        <source>Cases fetched</source>
        <translation>Số trường hợp đã tải</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="104"/>
        <source>Cases added</source>
        <translation>Số trường hợp mới</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="104"/>
        <source>Cases updated</source>
        <translation>Số trường hợp đã cập nhật</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="104"/>
        <source>Records rejected</source>
        <translation>Số bản ghi bị loại</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="146"/>
        <source>Full fetch: every case is read.</source>
        <translation>Tải toàn bộ: đọc tất cả các trường hợp.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="146"/>
        <source>Fetching the cases changed since {}.</source>
        <translation>Đang tải các trường hợp thay đổi từ {}.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="161"/>
        <source>Cancelled: the GeoPackage was not changed.</source>
        <translation>Đã hủy: tệp GeoPackage không bị thay đổi.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="183"/>
        <source>Record rejected: {}</source>
        <translation>Bản ghi bị loại: {}</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="188"/>
        <source>{fetched} cases fetched: {added} new, {updated} updated, {rejected} rejected.</source>
        <translation>Đã tải {fetched} trường hợp: {added} mới, {updated} cập nhật, {rejected} bị loại.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="70"/>
        <source>Fetches SOS cases from the service into the layer sos_cases of a GeoPackage. When the GeoPackage already exists, its cases are updated in place: the first run fetches every case and later runs only the cases changed since the previous run. The token is read from the chosen QGIS authentication configuration. The service area is an optional extent: cases outside it are still fetched, and flagged outside_service_area in the field quality_flags.</source>
        <translation>Tải các trường hợp SOS từ dịch vụ vào lớp sos_cases của một tệp GeoPackage. Khi tệp GeoPackage đã có, các trường hợp trong đó được cập nhật tại chỗ: lần chạy đầu tải mọi trường hợp, các lần sau chỉ tải những trường hợp đã thay đổi kể từ lần trước. Mã truy cập được đọc từ cấu hình xác thực QGIS đã chọn. Vùng phục vụ là một phạm vi tùy chọn: các trường hợp nằm ngoài vùng vẫn được tải và được đánh dấu outside_service_area trong trường quality_flags.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="200"/>
        <source>{} cases with a status change still to be confirmed were left as they are.</source>
        <translation>{} trường hợp có thay đổi trạng thái còn chờ xác nhận được giữ nguyên.</translation>
    </message>
</context>
<context>
    <name>SosHazards</name>
    <message>
        <location filename="../hazard_layers.py" line="217"/>
        <source>No case has a location, so there is nothing to analyse.</source>
        <translation>Không trường hợp nào có vị trí nên không có gì để phân tích.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="284"/>
        <source>The hazard layer {} is not valid and was skipped.</source>
        <translation>Lớp nguy cơ {} không hợp lệ và đã được bỏ qua.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="849"/>
        <source>{} features of the hazard layer {} were skipped (wrong geometry type or CRS).</source>
        <translation>Đã bỏ qua {} đối tượng của lớp nguy cơ {} (sai kiểu hình học hoặc hệ tọa độ).</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1245"/>
        <source>The hazard analysis was cancelled.</source>
        <translation>Đã hủy phân tích nguy cơ.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="322"/>
        <source>The layer {} is a map service shown for display only: its pictures cannot be sampled, so it was left out of the analysis.</source>
        <translation>Lớp {} là dịch vụ bản đồ chỉ để hiển thị: không thể lấy giá trị từ hình ảnh của nó, nên lớp này không được đưa vào phân tích.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="330"/>
        <source>The layer {} cannot be used as a hazard layer: it is neither vector nor raster.</source>
        <translation>Không thể dùng lớp {} làm lớp thiên tai: lớp này không phải vector cũng không phải raster.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="419"/>
        <source>The hazard layer {} does not overlap the cases, but would with x and y swapped: its coordinates look like latitude, longitude instead of longitude, latitude (axis order). Fix the layer or its CRS before trusting the analysis.</source>
        <translation>Lớp thiên tai {} không chồng lên các ca, nhưng sẽ chồng lên nếu đổi chỗ x và y: tọa độ của nó có vẻ là vĩ độ, kinh độ thay vì kinh độ, vĩ độ (thứ tự trục). Hãy sửa lớp hoặc hệ tọa độ của nó trước khi tin vào kết quả phân tích.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="428"/>
        <source>The hazard layer {} does not overlap the cases. A likely cause is axis order (latitude and longitude swapped) or a wrong CRS on the layer.</source>
        <translation>Lớp thiên tai {} không chồng lên các ca. Nguyên nhân có thể là thứ tự trục (vĩ độ và kinh độ bị đổi chỗ) hoặc lớp bị gán sai hệ tọa độ.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1022"/>
        <source>flood depth {} m in raster {}</source>
        <translation>ngập sâu {} m theo raster {}</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1026"/>
        <source>landslide index {} in raster {}</source>
        <translation>chỉ số sạt lở {} theo raster {}</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1042"/>
        <source>flood raster {} has no data here: depth unknown</source>
        <translation>raster ngập {} không có dữ liệu tại đây: chưa rõ độ sâu</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1046"/>
        <source>landslide raster {} has no data here: unknown</source>
        <translation>raster sạt lở {} không có dữ liệu tại đây: chưa rõ</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1050"/>
        <source>outside every flood raster: depth unknown</source>
        <translation>ngoài mọi raster ngập: chưa rõ độ sâu</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1051"/>
        <source>outside every landslide raster: unknown</source>
        <translation>ngoài mọi raster sạt lở: chưa rõ</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="390"/>
        <source>The layer {} is in the VN-2000 CRS {}, and QGIS has no datum shift from it to WGS 84, so it may be off by hundreds of metres. Set the datum transformation in Project Properties &gt; Transformations, or use a CRS with the province&apos;s parameters (TOWGS84).</source>
        <translation>Lớp {} dùng hệ tọa độ VN-2000 {} và QGIS không có phép chuyển đổi datum từ hệ này sang WGS 84, nên lớp có thể lệch hàng trăm mét. Hãy đặt phép chuyển đổi datum trong Thuộc tính dự án &gt; Chuyển đổi, hoặc dùng hệ tọa độ có tham số của tỉnh (TOWGS84).</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1030"/>
        <source>flood raster {} has the value {} here, which is not a plausible depth (an undeclared nodata?): depth unknown</source>
        <translation>raster ngập {} có giá trị {} tại đây, không phải độ sâu hợp lý (có thể là giá trị nodata chưa khai báo): chưa rõ độ sâu</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1036"/>
        <source>landslide raster {} has the value {} here, which is not a plausible index (an undeclared nodata?): unknown</source>
        <translation>raster sạt lở {} có giá trị {} tại đây, không phải chỉ số hợp lý (có thể là giá trị nodata chưa khai báo): chưa rõ</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="1205"/>
        <source>flood zone class: {}</source>
        <translation>cấp vùng ngập: {}</translation>
    </message>
</context>
<context>
    <name>SosNeed</name>
    <message>
        <location filename="../style.py" line="111"/>
        <source>Rescue</source>
        <translation>Cứu hộ</translation>
    </message>
    <message>
        <location filename="../style.py" line="112"/>
        <source>Medical care</source>
        <translation>Chăm sóc y tế</translation>
    </message>
    <message>
        <location filename="../style.py" line="113"/>
        <source>Food</source>
        <translation>Lương thực</translation>
    </message>
    <message>
        <location filename="../style.py" line="114"/>
        <source>Drinking water</source>
        <translation>Nước uống</translation>
    </message>
    <message>
        <location filename="../style.py" line="115"/>
        <source>Clothing</source>
        <translation>Quần áo</translation>
    </message>
    <message>
        <location filename="../style.py" line="116"/>
        <source>Shelter</source>
        <translation>Chỗ ở tạm</translation>
    </message>
    <message>
        <location filename="../style.py" line="117"/>
        <source>Evacuation</source>
        <translation>Sơ tán</translation>
    </message>
    <message>
        <location filename="../style.py" line="118"/>
        <source>Other</source>
        <translation>Khác</translation>
    </message>
</context>
<context>
    <name>SosPlugin</name>
    <message>
        <location filename="../plugin.py" line="729"/>
        <source>SOS</source>
        <translation>SOS</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="260"/>
        <source>Connect…</source>
        <translation>Kết nối…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="261"/>
        <source>Fetch now</source>
        <translation>Tải ngay</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="262"/>
        <source>Add flood layer…</source>
        <translation>Thêm lớp ngập lụt…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="265"/>
        <source>Add landslide layer…</source>
        <translation>Thêm lớp sạt lở…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="268"/>
        <source>Analyse hazards</source>
        <translation>Phân tích nguy cơ</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="271"/>
        <source>Set status of selected cases…</source>
        <translation>Đặt trạng thái cho các trường hợp đã chọn…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="465"/>
        <source>Some features are turned off: {missing}. To install: {hint}</source>
        <translation>Một số chức năng đang bị tắt: {missing}. Cách cài đặt: {hint}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="748"/>
        <source>The SOS service rejected the token, so auto-refresh is paused. Sign in again with SOS &gt; Connect… and enter a valid token.</source>
        <translation>Dịch vụ SOS từ chối mã truy cập nên đã tạm dừng tự động làm mới. Hãy đăng nhập lại qua SOS &gt; Kết nối… và nhập mã truy cập hợp lệ.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="899"/>
        <source>A fetch is already running. Wait for it to finish.</source>
        <translation>Đang có một lượt tải chạy. Hãy chờ lượt tải đó xong.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="991"/>
        <source>Add flood layer</source>
        <translation>Thêm lớp ngập lụt</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="993"/>
        <source>Add landslide layer</source>
        <translation>Thêm lớp sạt lở</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="994"/>
        <source>All files (*)</source>
        <translation>Tất cả các tệp (*)</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1005"/>
        <source>Added {name} as a {kind} layer.</source>
        <translation>Đã thêm {name} làm lớp {kind}.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1010"/>
        <source>flood</source>
        <translation>ngập lụt</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1010"/>
        <source>landslide</source>
        <translation>sạt lở</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1025"/>
        <source>{path} could not be opened as a vector or raster layer.</source>
        <translation>Không mở được {path} dưới dạng lớp vector hoặc raster.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1041"/>
        <source>There is no case layer yet. Fetch cases first.</source>
        <translation>Chưa có lớp trường hợp SOS. Hãy tải các trường hợp trước.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1046"/>
        <source>There is no hazard layer. Add a flood or landslide layer first.</source>
        <translation>Chưa có lớp nguy cơ. Hãy thêm lớp ngập lụt hoặc sạt lở trước.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1120"/>
        <source>No cases are selected. Select cases on the case layer first.</source>
        <translation>Chưa chọn trường hợp nào. Hãy chọn các trường hợp trên lớp trường hợp SOS trước.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="274"/>
        <source>Resolve conflicts…</source>
        <translation>Giải quyết xung đột…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1402"/>
        <source>The status changes could not be stored in the outbox {path}: {error}</source>
        <translation>Không lưu được các thay đổi trạng thái vào hàng đợi gửi {path}: {error}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1311"/>
        <source>There are no status conflicts to resolve.</source>
        <translation>Không có xung đột trạng thái nào cần giải quyết.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1360"/>
        <source>The choices could not be stored in the outbox: {}</source>
        <translation>Không lưu được các lựa chọn vào hàng đợi gửi: {}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1368"/>
        <source>{kept} conflicts resolved by keeping theirs, {applied} by applying yours.</source>
        <translation>Đã giải quyết {kept} xung đột bằng cách giữ của họ, {applied} xung đột bằng cách áp dụng của bạn.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="277"/>
        <source>Retry failed changes…</source>
        <translation>Thử lại các thay đổi bị lỗi…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1392"/>
        <source>There are no failed status changes to retry.</source>
        <translation>Không có thay đổi trạng thái bị lỗi nào cần thử lại.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="280"/>
        <source>Set status on the map</source>
        <translation>Đặt trạng thái trên bản đồ</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="284"/>
        <source>SOS cases panel</source>
        <translation>Bảng trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="286"/>
        <source>Settings…</source>
        <translation>Cài đặt…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="289"/>
        <source>Hazard sources…</source>
        <translation>Nguồn dữ liệu thiên tai…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="292"/>
        <source>Summary by commune…</source>
        <translation>Tổng hợp theo xã…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="295"/>
        <source>Situation report…</source>
        <translation>Báo cáo tình hình…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="573"/>
        <source>Not available in this version of the plugin.</source>
        <translation>Không có trong phiên bản này của plugin.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="619"/>
        <source>The situation report was written to {}.</source>
        <translation>Đã ghi báo cáo tình hình vào {}.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1101"/>
        <source>Case {} is not in the case layer.</source>
        <translation>Trường hợp {} không có trong lớp trường hợp SOS.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="978"/>
        <source>{} new cases arrived.</source>
        <translation>Có {} trường hợp mới.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="298"/>
        <source>Cluster cases</source>
        <translation>Gom cụm các trường hợp</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="301"/>
        <source>Reset case style</source>
        <translation>Đặt lại kiểu hiển thị trường hợp</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="304"/>
        <source>Results of the last send…</source>
        <translation>Kết quả của lần gửi gần nhất…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="730"/>
        <source>Results per case…</source>
        <translation>Kết quả từng trường hợp…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="1262"/>
        <source>No status change was sent in this session yet.</source>
        <translation>Trong phiên này chưa gửi thay đổi trạng thái nào.</translation>
    </message>
</context>
<context>
    <name>SosProvider</name>
    <message>
        <location filename="../processing/provider.py" line="40"/>
        <source>SOS</source>
        <translation>SOS</translation>
    </message>
    <message>
        <location filename="../processing/provider.py" line="43"/>
        <source>SOS rescue cases</source>
        <translation>Các trường hợp cứu hộ SOS</translation>
    </message>
</context>
<context>
    <name>SosReport</name>
    <message>
        <location filename="../report.py" line="163"/>
        <source>The layer {} is not an SOS case layer: it has no field status.</source>
        <translation>Lớp {} không phải là lớp trường hợp SOS: lớp này không có trường status.</translation>
    </message>
    <message>
        <location filename="../report.py" line="1055"/>
        <source>The situation report was cancelled.</source>
        <translation>Đã hủy báo cáo tình hình.</translation>
    </message>
    <message>
        <location filename="../report.py" line="540"/>
        <source>Legend</source>
        <translation>Chú giải</translation>
    </message>
    <message>
        <location filename="../report.py" line="548"/>
        <source>SOS cases</source>
        <translation>Các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../report.py" line="586"/>
        <source>km</source>
        <translation>km</translation>
    </message>
    <message>
        <location filename="../report.py" line="720"/>
        <source>Commune</source>
        <translation>Xã/phường</translation>
    </message>
    <message>
        <location filename="../report.py" line="721"/>
        <source>Waiting cases</source>
        <translation>Trường hợp đang chờ</translation>
    </message>
    <message>
        <location filename="../report.py" line="722"/>
        <source>People waiting</source>
        <translation>Số người đang chờ</translation>
    </message>
    <message>
        <location filename="../report.py" line="723"/>
        <source>Households waiting</source>
        <translation>Số hộ đang chờ</translation>
    </message>
    <message>
        <location filename="../report.py" line="724"/>
        <source>Waiting in flood</source>
        <translation>Đang chờ trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../report.py" line="725"/>
        <source>Waiting in landslide zone</source>
        <translation>Đang chờ trong vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../report.py" line="726"/>
        <source>Supported</source>
        <translation>Đã hỗ trợ</translation>
    </message>
    <message>
        <location filename="../report.py" line="890"/>
        <source>Time of the data unknown</source>
        <translation>Không rõ thời điểm của dữ liệu</translation>
    </message>
    <message>
        <location filename="../report.py" line="892"/>
        <source>Data as of {} (UTC+7)</source>
        <translation>Dữ liệu tính đến {} (UTC+7)</translation>
    </message>
    <message>
        <location filename="../report.py" line="983"/>
        <source>All cases in the layer: {}</source>
        <translation>Tất cả trường hợp trong lớp: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="992"/>
        <source>The folder {} does not exist. Choose another place for the report.</source>
        <translation>Thư mục {} không tồn tại. Hãy chọn nơi khác để lưu báo cáo.</translation>
    </message>
    <message>
        <location filename="../report.py" line="1030"/>
        <source>Situation report: SOS cases</source>
        <translation>Báo cáo tình hình: các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../report.py" line="1065"/>
        <source>Writing the situation report to {} failed. Check that the file is not open elsewhere.</source>
        <translation>Ghi báo cáo tình hình vào {} thất bại. Hãy kiểm tra xem tệp có đang mở trong chương trình khác không.</translation>
    </message>
    <message>
        <location filename="../report.py" line="1154"/>
        <source>Cases by commune</source>
        <translation>Các trường hợp theo xã/phường</translation>
    </message>
    <message>
        <location filename="../report.py" line="1166"/>
        <source>No admin layer was given, so the report has no commune table.</source>
        <translation>Chưa chọn lớp địa giới hành chính nên báo cáo không có bảng theo xã/phường.</translation>
    </message>
    <message>
        <location filename="../report_chart.py" line="165"/>
        <source>Cases over time by status</source>
        <translation>Trường hợp theo thời gian và trạng thái</translation>
    </message>
    <message>
        <location filename="../report_chart.py" line="212"/>
        <source>No case has a creation time.</source>
        <translation>Không trường hợp nào có thời điểm tạo.</translation>
    </message>
    <message>
        <location filename="../report_chart.py" line="276"/>
        <source>Cases created per hour (Vietnam time), by current status</source>
        <translation>Số trường hợp được tạo mỗi giờ (giờ Việt Nam), theo trạng thái hiện tại</translation>
    </message>
    <message>
        <location filename="../report_chart.py" line="280"/>
        <source>Cases created per day (Vietnam time), by current status</source>
        <translation>Số trường hợp được tạo mỗi ngày (giờ Việt Nam), theo trạng thái hiện tại</translation>
    </message>
    <message>
        <location filename="../report.py" line="439"/>
        <source>Commune boundaries</source>
        <translation>Ranh giới xã/phường</translation>
    </message>
    <message>
        <location filename="../report.py" line="912"/>
        <source>People waiting: {}</source>
        <translation>Số người đang chờ: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="927"/>
        <source>Households waiting: {}</source>
        <translation>Số hộ đang chờ: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="1085"/>
        <source>Number beside a case: people, or households when the people count is unknown. No number: both are unknown.</source>
        <translation>Số cạnh mỗi trường hợp: số người, hoặc số hộ khi chưa rõ số người. Không có số: chưa rõ cả hai.</translation>
    </message>
    <message>
        <location filename="../report.py" line="1131"/>
        <source>Dashed box: the area of the detail map on page 2.</source>
        <translation>Khung nét đứt: khu vực của bản đồ chi tiết ở trang 2.</translation>
    </message>
    <message>
        <location filename="../report.py" line="1231"/>
        <source>Detail: the area with most cases</source>
        <translation>Chi tiết: khu vực có nhiều trường hợp nhất</translation>
    </message>
    <message>
        <location filename="../report.py" line="1273"/>
        <source>? = unknown for every waiting case (no count, or not analysed for the hazard). 12 +3? = 12 from the cases with a known value, and 3 more waiting cases are unknown.</source>
        <translation>? = chưa rõ ở mọi trường hợp đang chờ (thiếu số liệu, hoặc chưa phân tích nguy cơ). 12 +3? = 12 tính từ các trường hợp đã có số liệu, và còn 3 trường hợp đang chờ chưa rõ.</translation>
    </message>
    <message>
        <location filename="../report.py" line="392"/>
        <source>The admin layer {} is not a valid polygon layer. Choose the layer of commune polygons.</source>
        <translation>Lớp địa giới hành chính {} không phải là lớp vùng hợp lệ. Hãy chọn lớp vùng xã/phường.</translation>
    </message>
    <message>
        <location filename="../report.py" line="795"/>
        <source>Total (communes: {})</source>
        <translation>Tổng cộng ({} xã/phường)</translation>
    </message>
    <message>
        <location filename="../report.py" line="912"/>
        <source>People waiting: unknown (waiting cases without a count: {} of {})</source>
        <translation>Số người đang chờ: chưa rõ (trường hợp đang chờ thiếu số người: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="912"/>
        <source>People waiting: at least {} (waiting cases without a count: {} of {})</source>
        <translation>Số người đang chờ: ít nhất {} (trường hợp đang chờ thiếu số người: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="927"/>
        <source>Households waiting: unknown (waiting cases without a count: {} of {})</source>
        <translation>Số hộ đang chờ: chưa rõ (trường hợp đang chờ thiếu số hộ: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="927"/>
        <source>Households waiting: at least {} (waiting cases without a count: {} of {})</source>
        <translation>Số hộ đang chờ: ít nhất {} (trường hợp đang chờ thiếu số hộ: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="942"/>
        <source>Cases waiting in a flood zone: {}</source>
        <translation>Trường hợp đang chờ trong vùng ngập: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="942"/>
        <source>Cases waiting in a flood zone: unknown (waiting cases not analysed: {} of {})</source>
        <translation>Trường hợp đang chờ trong vùng ngập: chưa rõ (trường hợp đang chờ chưa phân tích: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="942"/>
        <source>Cases waiting in a flood zone: at least {} (waiting cases not analysed: {} of {})</source>
        <translation>Trường hợp đang chờ trong vùng ngập: ít nhất {} (trường hợp đang chờ chưa phân tích: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="957"/>
        <source>Cases waiting in or near a landslide zone: {}</source>
        <translation>Trường hợp đang chờ trong hoặc gần vùng sạt lở: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="957"/>
        <source>Cases waiting in or near a landslide zone: unknown (waiting cases not analysed: {} of {})</source>
        <translation>Trường hợp đang chờ trong hoặc gần vùng sạt lở: chưa rõ (trường hợp đang chờ chưa phân tích: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="957"/>
        <source>Cases waiting in or near a landslide zone: at least {} (waiting cases not analysed: {} of {})</source>
        <translation>Trường hợp đang chờ trong hoặc gần vùng sạt lở: ít nhất {} (trường hợp đang chờ chưa phân tích: {}/{})</translation>
    </message>
    <message>
        <location filename="../report.py" line="975"/>
        <source>Cases waiting for help: {}</source>
        <translation>Trường hợp đang chờ hỗ trợ: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="980"/>
        <source>Cases supported: {}</source>
        <translation>Trường hợp đã hỗ trợ: {}</translation>
    </message>
    <message>
        <location filename="../report.py" line="1286"/>
        <source>The communes with the most cases waiting are shown. Communes left out of the table but counted in the total: {}.</source>
        <translation>Bảng chỉ nêu các xã/phường có nhiều trường hợp đang chờ nhất. Số xã/phường không có trong bảng nhưng vẫn được tính vào tổng cộng: {}.</translation>
    </message>
    <message>
        <location filename="../report_chart.py" line="284"/>
        <source>Cases not shown for lack of a creation time: {}</source>
        <translation>Trường hợp không hiển thị vì không có thời điểm tạo: {}</translation>
    </message>
    <message>
        <location filename="../report_chart.py" line="288"/>
        <source>Cases not shown for an implausible creation time (after the time of the data, or over 60 days before the newest case): {}</source>
        <translation>Trường hợp không hiển thị vì thời điểm tạo không hợp lý (sau thời điểm của dữ liệu, hoặc sớm hơn trường hợp mới nhất quá 60 ngày): {}</translation>
    </message>
</context>
<context>
    <name>SosSetStatus</name>
    <message>
        <location filename="../processing/set_status.py" line="79"/>
        <source>Set status of SOS cases</source>
        <translation>Đặt trạng thái cho các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="92"/>
        <source>Cases</source>
        <translation>Các trường hợp</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="99"/>
        <source>New status</source>
        <translation>Trạng thái mới</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="107"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="117"/>
        <source>Service URL</source>
        <translation>Địa chỉ dịch vụ (URL)</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="122"/>
        <source>Authentication configuration (token)</source>
        <translation>Cấu hình xác thực (mã truy cập)</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="128"/>
        <source>Changes sent</source>
        <translation>Số thay đổi đã gửi</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="128"/>
        <source>Changes confirmed</source>
        <translation>Số thay đổi được xác nhận</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="128"/>
        <source>Conflicts</source>
        <translation>Số xung đột</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="128"/>
        <source>Changes failed</source>
        <translation>Số thay đổi thất bại</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="182"/>
        <source>The input is not an SOS case layer: it has no field id.</source>
        <translation>Đầu vào không phải lớp trường hợp SOS: không có trường id.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="203"/>
        <source>No case to change: the input has no case with an id.</source>
        <translation>Không có trường hợp nào để thay đổi: đầu vào không có trường hợp nào có id.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="225"/>
        <source>Case {case_id}: {outcome} {detail}</source>
        <translation>Trường hợp {case_id}: {outcome} {detail}</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="216"/>
        <source>The status changes could not be stored in the outbox {path}: {error}</source>
        <translation>Không lưu được các thay đổi trạng thái vào hàng đợi gửi {path}: {error}</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="235"/>
        <source>{error} The status changes not sent are kept in the outbox {path} and the plugin sends them again after its next refresh.</source>
        <translation>{error} Các thay đổi trạng thái chưa gửi được giữ trong hàng đợi gửi {path} và plugin sẽ gửi lại sau lần làm mới tiếp theo.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="82"/>
        <source>Sends the chosen status, with an optional note and team, for every case of the input layer (or only the selected cases) to the SOS service in one batch request. Each change is checked against the case&apos;s version in the layer: a case changed by someone else in the meantime is reported as a conflict and not changed. Only the changes the service confirms are written to the layer. The team (at most 100 characters, one line) is kept in each case&apos;s history.</source>
        <translation>Gửi trạng thái đã chọn, kèm ghi chú và đội nếu có, cho mọi trường hợp của lớp đầu vào (hoặc chỉ các trường hợp đã chọn) tới dịch vụ SOS trong một yêu cầu gộp. Mỗi thay đổi được đối chiếu với phiên bản của trường hợp trong lớp: trường hợp đã bị người khác thay đổi trong lúc đó được báo là xung đột và không bị thay đổi. Chỉ những thay đổi được dịch vụ xác nhận mới được ghi vào lớp. Đội (tối đa 100 ký tự, trên một dòng) được lưu trong lịch sử của từng trường hợp.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="112"/>
        <source>Team</source>
        <translation>Đội</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="250"/>
        <source>The team must be one line without tabs or other control characters.</source>
        <translation>Tên đội phải nằm trên một dòng, không có tab hay ký tự điều khiển khác.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="256"/>
        <source>The team has {count} characters; at most {limit} are allowed.</source>
        <translation>Tên đội có {count} ký tự; chỉ được tối đa {limit} ký tự.</translation>
    </message>
</context>
<context>
    <name>SosSituationReport</name>
    <message>
        <location filename="../processing/situation_report.py" line="52"/>
        <source>Situation report (PDF)</source>
        <translation>Báo cáo tình hình (PDF)</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="71"/>
        <source>Case layer</source>
        <translation>Lớp trường hợp</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="78"/>
        <source>Hazard layers</source>
        <translation>Các lớp nguy cơ</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="86"/>
        <source>Admin layer (commune polygons)</source>
        <translation>Lớp địa giới hành chính (vùng xã/phường)</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="94"/>
        <source>Commune code field</source>
        <translation>Trường mã xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="94"/>
        <source>Commune name field</source>
        <translation>Trường tên xã/phường</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="103"/>
        <source>Title</source>
        <translation>Tiêu đề</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="108"/>
        <source>Situation report</source>
        <translation>Báo cáo tình hình</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="108"/>
        <source>PDF files (*.pdf)</source>
        <translation>Tệp PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="115"/>
        <source>Communes in the table</source>
        <translation>Số xã/phường trong bảng</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="126"/>
        <source>The input layer is not an SOS case layer: it has no field status.</source>
        <translation>Lớp đầu vào không phải là lớp trường hợp SOS: lớp này không có trường status.</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="169"/>
        <source>The commune table needs the Python package shapely 2. Install it or leave out the admin layer.</source>
        <translation>Bảng theo xã cần gói Python shapely 2. Hãy cài đặt gói này hoặc bỏ lớp địa giới hành chính.</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="178"/>
        <source>Situation report written to {}</source>
        <translation>Đã ghi báo cáo tình hình vào {}</translation>
    </message>
    <message>
        <location filename="../processing/situation_report.py" line="58"/>
        <source>Writes a two-page PDF for commanders: the map of cases over the hazard layers with a legend, scale bar, north arrow and the time of the data (Vietnam time), the totals of cases waiting, a table per commune of the admin layer (cases and people waiting, in flood, in a landslide zone, supported) and a chart of cases created over time by status. The communes are drawn on the map as grey boundaries. Counts unknown for some cases are marked, never shown as 0. Without an admin layer the table is left out. The code and name fields of the admin layer are guessed when left empty. Labels follow the language of QGIS.</source>
        <translation>Ghi một tệp PDF hai trang cho người chỉ huy: bản đồ các trường hợp trên các lớp nguy cơ, kèm chú giải, thước tỷ lệ, mũi tên chỉ hướng bắc và thời điểm của dữ liệu (giờ Việt Nam); tổng số trường hợp đang chờ; bảng theo từng xã/phường của lớp địa giới hành chính (số trường hợp và số người đang chờ, trong vùng ngập, trong vùng sạt lở, đã hỗ trợ) và biểu đồ số trường hợp được tạo theo thời gian và trạng thái. Ranh giới các xã/phường được vẽ trên bản đồ bằng đường màu xám. Số liệu chưa rõ ở một số trường hợp được đánh dấu, không bao giờ hiển thị là 0. Nếu không có lớp địa giới hành chính thì báo cáo không có bảng. Khi để trống, trường mã và trường tên của lớp địa giới hành chính sẽ được tự đoán. Nhãn hiển thị theo ngôn ngữ của QGIS.</translation>
    </message>
</context>
<context>
    <name>SosStatus</name>
    <message>
        <location filename="../style.py" line="88"/>
        <source>Needs help</source>
        <translation>Cần hỗ trợ</translation>
    </message>
    <message>
        <location filename="../style.py" line="89"/>
        <source>In progress</source>
        <translation>Đang hỗ trợ</translation>
    </message>
    <message>
        <location filename="../style.py" line="90"/>
        <source>Supported</source>
        <translation>Đã hỗ trợ</translation>
    </message>
    <message>
        <location filename="../style.py" line="91"/>
        <source>Unreachable</source>
        <translation>Không liên lạc được</translation>
    </message>
    <message>
        <location filename="../style.py" line="92"/>
        <source>Duplicate</source>
        <translation>Trùng lặp</translation>
    </message>
</context>
<context>
    <name>SosStyle</name>
    <message>
        <location filename="../style.py" line="194"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../style.py" line="195"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../style.py" line="197"/>
        <source>People</source>
        <translation>Số người</translation>
    </message>
    <message>
        <location filename="../style.py" line="198"/>
        <source>Households</source>
        <translation>Số hộ</translation>
    </message>
    <message>
        <location filename="../style.py" line="199"/>
        <source>Urgency</source>
        <translation>Mức khẩn cấp</translation>
    </message>
    <message>
        <location filename="../style.py" line="200"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../style.py" line="201"/>
        <source>Description</source>
        <translation>Mô tả</translation>
    </message>
    <message>
        <location filename="../style.py" line="202"/>
        <source>Priority</source>
        <translation>Mức ưu tiên</translation>
    </message>
    <message>
        <location filename="../style.py" line="359"/>
        <source>Other status</source>
        <translation>Trạng thái khác</translation>
    </message>
    <message>
        <location filename="../style.py" line="466"/>
        <source>SOS case style</source>
        <translation>Kiểu hiển thị trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../style.py" line="152"/>
        <source>{minutes} min</source>
        <translation>{minutes} phút</translation>
    </message>
    <message>
        <location filename="../style.py" line="155"/>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} giờ {minutes} phút</translation>
    </message>
    <message>
        <location filename="../style.py" line="169"/>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <location filename="../style.py" line="170"/>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <location filename="../style.py" line="171"/>
        <source>not analysed</source>
        <translation>chưa phân tích</translation>
    </message>
    <message>
        <location filename="../style.py" line="189"/>
        <source>{metres} m</source>
        <translation>{metres} m</translation>
    </message>
    <message>
        <location filename="../style.py" line="196"/>
        <source>Waiting</source>
        <translation>Thời gian chờ</translation>
    </message>
    <message>
        <location filename="../style.py" line="203"/>
        <source>Why</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <location filename="../style.py" line="204"/>
        <source>In flood</source>
        <translation>Trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../style.py" line="205"/>
        <source>Flood depth</source>
        <translation>Độ sâu ngập</translation>
    </message>
    <message>
        <location filename="../style.py" line="209"/>
        <source>Flood events nearby</source>
        <translation>Điểm ngập lụt lân cận</translation>
    </message>
    <message>
        <location filename="../style.py" line="210"/>
        <source>In landslide zone</source>
        <translation>Trong vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../style.py" line="214"/>
        <source>Distance to landslide</source>
        <translation>Khoảng cách đến điểm sạt lở</translation>
    </message>
    <message>
        <location filename="../style.py" line="218"/>
        <source>Hazard note</source>
        <translation>Ghi chú về thiên tai</translation>
    </message>
</context>
<context>
    <name>SosTasks</name>
    <message>
        <location filename="../tasks.py" line="149"/>
        <source>An unexpected error occurred. The QGIS log (tag SOS) has the details.</source>
        <translation>Đã xảy ra lỗi không lường trước. Xem chi tiết trong nhật ký QGIS (thẻ SOS).</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="269"/>
        <source>Fetching SOS cases</source>
        <translation>Đang tải các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="441"/>
        <source>The refresh was cancelled. The case layer was not changed.</source>
        <translation>Đã hủy làm mới. Lớp trường hợp SOS không bị thay đổi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="447"/>
        <source>The refresh failed and the case layer was not changed: {}</source>
        <translation>Làm mới thất bại, lớp trường hợp SOS không bị thay đổi: {}</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="699"/>
        <source>The service returned no cases for this area.</source>
        <translation>Dịch vụ không trả về trường hợp nào cho khu vực này.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="700"/>
        <source>No case changed since the last refresh.</source>
        <translation>Không có trường hợp nào thay đổi kể từ lần làm mới trước.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="701"/>
        <source>{fetched} cases fetched: {added} new, {updated} updated, {unchanged} unchanged.</source>
        <translation>Đã tải {fetched} trường hợp: {added} mới, {updated} cập nhật, {unchanged} không đổi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="707"/>
        <source>{} records were rejected as invalid; the log lists them.</source>
        <translation>{} bản ghi bị loại vì không hợp lệ; danh sách có trong nhật ký.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1139"/>
        <source>Analysing SOS cases against hazards</source>
        <translation>Đang phân tích nguy cơ cho các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1214"/>
        <source>The hazard analysis was cancelled. The case layer was not changed.</source>
        <translation>Đã hủy phân tích nguy cơ. Lớp trường hợp SOS không bị thay đổi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1219"/>
        <source>The hazard analysis failed and the case layer was not changed: {}</source>
        <translation>Phân tích nguy cơ thất bại, lớp trường hợp SOS không bị thay đổi: {}</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1313"/>
        <source>{} invalid hazard geometries were repaired; the log lists them.</source>
        <translation>Đã sửa {} hình học nguy cơ không hợp lệ; danh sách có trong nhật ký.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1598"/>
        <source>Sending status changes</source>
        <translation>Đang gửi các thay đổi trạng thái</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1377"/>
        <source>The status changes could not be sent: {}</source>
        <translation>Không gửi được các thay đổi trạng thái: {}</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1546"/>
        <source>{sent} status changes sent: {confirmed} confirmed, {conflicts} conflicts, {failed} failed.</source>
        <translation>Đã gửi {sent} thay đổi trạng thái: {confirmed} được xác nhận, {conflicts} xung đột, {failed} thất bại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1302"/>
        <source>{analysed} cases analysed: {in_flood} in a flood zone, {in_landslide} in or near a landslide zone, {unknown} with unknown flood status.</source>
        <translation>Đã phân tích {analysed} trường hợp: {in_flood} trong vùng ngập, {in_landslide} trong hoặc gần vùng sạt lở, {unknown} chưa xác định được tình trạng ngập.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="711"/>
        <source>{} cases with a status change waiting to be sent were kept as they are.</source>
        <translation>{} trường hợp có thay đổi trạng thái đang chờ gửi được giữ nguyên.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="741"/>
        <source>Could not read or write the outbox {}.</source>
        <translation>Không đọc hoặc ghi được hàng đợi gửi {}.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1537"/>
        <source>{ids} and {count} more</source>
        <translation>{ids} và {count} trường hợp khác</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1558"/>
        <source>Conflicts: {}. Open SOS &gt; Resolve conflicts… to choose which status to keep.</source>
        <translation>Xung đột: {}. Mở SOS &gt; Giải quyết xung đột… để chọn trạng thái cần giữ.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1564"/>
        <source>Failed: {}. The outbox keeps them for a retry.</source>
        <translation>Gửi lỗi: {}. Hàng đợi gửi giữ lại chúng để thử lại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1570"/>
        <source>{count} status changes could not be sent: {error} They are kept and will be sent again.</source>
        <translation>Không gửi được {count} thay đổi trạng thái: {error} Chúng được giữ lại và sẽ được gửi lại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1577"/>
        <source>No status changes are waiting to be sent.</source>
        <translation>Không có thay đổi trạng thái nào đang chờ gửi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1622"/>
        <source>The status changes could not be sent: {} They are kept in the outbox.</source>
        <translation>Không gửi được các thay đổi trạng thái: {} Chúng được giữ trong hàng đợi gửi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1679"/>
        <source>Reading the history of cases</source>
        <translation>Đang đọc lịch sử của các trường hợp</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="404"/>
        <source>The refresh was stopped after {written} of {total} changes were written. The next refresh fetches the rest.</source>
        <translation>Đã dừng làm mới sau khi ghi {written} trên {total} thay đổi. Lần làm mới sau sẽ tải phần còn lại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="454"/>
        <source>The case layer was removed while the cases were fetched; the rest was not written.</source>
        <translation>Lớp trường hợp SOS đã bị gỡ trong lúc tải các trường hợp; phần còn lại không được ghi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1722"/>
        <source>Reading the history of a case</source>
        <translation>Đang đọc lịch sử của một trường hợp</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="822"/>
        <source>The admin layer chosen in the settings is not a polygon layer of this project, so communes were not assigned.</source>
        <translation>Lớp địa giới hành chính chọn trong phần cài đặt không phải là lớp vùng của dự án này, nên chưa gán xã/phường.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="833"/>
        <source>The communes of the admin layer {} could not be read, so they were not assigned.</source>
        <translation>Không đọc được các xã/phường của lớp địa giới hành chính {}, nên chưa gán xã/phường.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="936"/>
        <source>The hazard analysis was cancelled.</source>
        <translation>Đã hủy phân tích nguy cơ.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1266"/>
        <source>The hazard analysis was stopped after the results of {written} of {total} cases were written. Run it again to analyse every case.</source>
        <translation>Phân tích nguy cơ đã dừng sau khi ghi kết quả của {written}/{total} trường hợp. Hãy chạy lại để phân tích mọi trường hợp.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1275"/>
        <source>{} cases moved during the analysis; their hazard fields stay unknown until the next analysis.</source>
        <translation>{} trường hợp đã đổi vị trí trong lúc phân tích; các trường nguy cơ của chúng để trống (chưa xác định) cho đến lần phân tích sau.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1281"/>
        <source>{} cases lie in a commune of the admin layer.</source>
        <translation>{} trường hợp nằm trong một xã/phường của lớp địa giới hành chính.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="1288"/>
        <source>The case layer was removed during the hazard analysis; the rest was not written.</source>
        <translation>Lớp trường hợp SOS đã bị gỡ trong lúc phân tích nguy cơ; phần còn lại không được ghi.</translation>
    </message>
</context>
<context>
    <name>SosUrgency</name>
    <message>
        <location filename="../style.py" line="100"/>
        <source>Low</source>
        <translation>Thấp</translation>
    </message>
    <message>
        <location filename="../style.py" line="101"/>
        <source>Medium</source>
        <translation>Trung bình</translation>
    </message>
    <message>
        <location filename="../style.py" line="102"/>
        <source>High</source>
        <translation>Cao</translation>
    </message>
    <message>
        <location filename="../style.py" line="103"/>
        <source>Critical</source>
        <translation>Nguy cấp</translation>
    </message>
</context>
<context>
    <name>StatusDialog</name>
    <message>
        <location filename="../gui/status_dialog.py" line="62"/>
        <source>Selected cases: {count}</source>
        <translation>Số trường hợp đã chọn: {count}</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.py" line="68"/>
        <source>What happened, e.g. all people evacuated by boat</source>
        <translation>Tình hình thực tế, ví dụ: đã sơ tán toàn bộ bằng thuyền</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.ui" line="32"/>
        <source>New status</source>
        <translation>Trạng thái mới</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.ui" line="45"/>
        <source>Team (optional)</source>
        <translation>Đội (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.ui" line="68"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.py" line="73"/>
        <source>e.g. Boat team 2</source>
        <translation>ví dụ: Đội ca nô 2</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.ui" line="14"/>
        <source>Set status of cases</source>
        <translation>Đặt trạng thái cho các trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.ui" line="61"/>
        <source>The team sent to these cases, kept in the case history. Recent teams are listed.</source>
        <translation>Đội được cử đến các trường hợp này, được lưu trong lịch sử của trường hợp. Danh sách có các đội dùng gần đây.</translation>
    </message>
</context>
<context>
    <name>SummaryDialog</name>
    <message>
        <location filename="../gui/summary_dialog.py" line="51"/>
        <source>Summary by commune</source>
        <translation>Tổng hợp theo xã/phường</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="63"/>
        <source>CSV files (*.csv)</source>
        <translation>Tệp CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="66"/>
        <source>Excel files (*.xlsx)</source>
        <translation>Tệp Excel (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="71"/>
        <source>Commune layer</source>
        <translation>Lớp xã/phường</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="72"/>
        <source>Code field</source>
        <translation>Trường mã</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="73"/>
        <source>Name field</source>
        <translation>Trường tên</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="74"/>
        <source>CSV file (optional)</source>
        <translation>Tệp CSV (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="75"/>
        <source>Excel file (optional)</source>
        <translation>Tệp Excel (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="156"/>
        <source>The commune summary was canceled.</source>
        <translation>Đã hủy việc tổng hợp theo xã/phường.</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="162"/>
        <source>Commune summary ready: {} communes.</source>
        <translation>Đã tổng hợp xong: {} xã/phường.</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="164"/>
        <source>Written to {}.</source>
        <translation>Đã ghi vào {}.</translation>
    </message>
    <message>
        <location filename="../gui/summary_dialog.py" line="176"/>
        <source>SOS</source>
        <translation>SOS</translation>
    </message>
</context>
</TS>
