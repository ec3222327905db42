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
    <name>ConflictDialog</name>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
        <source>Their status</source>
        <translation>Trạng thái của họ</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
        <source>Changed by</source>
        <translation>Người thay đổi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
        <source>Changed at</source>
        <translation>Thời điểm thay đổi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
        <source>My status</source>
        <translation>Trạng thái của tôi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
        <source>My note</source>
        <translation>Ghi chú của tôi</translation>
    </message>
    <message>
        <location filename="../gui/conflict_dialog.py" line="62"/>
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
        <location filename="../gui/connect_dialog.py" line="82"/>
        <source>Testing the connection…</source>
        <translation>Đang kiểm tra kết nối…</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="87"/>
        <source>SOS: test connection</source>
        <translation>SOS: kiểm tra kết nối</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="101"/>
        <source>The connection failed: {reason}</source>
        <translation>Kết nối thất bại: {reason}</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="105"/>
        <source>The connection test was cancelled.</source>
        <translation>Đã hủy kiểm tra kết nối.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="108"/>
        <source>Connected: the service answered and accepted the token.</source>
        <translation>Đã kết nối: dịch vụ đã phản hồi và chấp nhận mã truy cập.</translation>
    </message>
    <message>
        <location filename="../gui/connect_dialog.py" line="122"/>
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
        <location filename="../plugin.py" line="79"/>
        <source>Retry failed status changes</source>
        <translation>Thử lại các thay đổi trạng thái bị lỗi</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="83"/>
        <source>The server did not apply these status changes. Send them again, each based on the case version it was made from?</source>
        <translation>Máy chủ chưa áp dụng các thay đổi trạng thái này. Gửi lại chúng, mỗi thay đổi vẫn dựa trên phiên bản của trường hợp lúc thay đổi được tạo?</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="96"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="97"/>
        <source>Requested status</source>
        <translation>Trạng thái yêu cầu</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="98"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="99"/>
        <source>Last error</source>
        <translation>Lỗi gần nhất</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="121"/>
        <source>Send again</source>
        <translation>Gửi lại</translation>
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
        <location filename="../network.py" line="115"/>
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
    <name>SosAnalyseHazards</name>
    <message>
        <location filename="../processing/analyse_hazards.py" line="63"/>
        <source>Analyse hazards for SOS cases</source>
        <translation>Phân tích nguy cơ thiên tai cho các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="78"/>
        <source>Case layer</source>
        <translation>Lớp trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="85"/>
        <source>Flood layers</source>
        <translation>Các lớp ngập lụt</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="93"/>
        <source>Landslide layers</source>
        <translation>Các lớp sạt lở</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="101"/>
        <source>Landslide radius</source>
        <translation>Bán kính sạt lở</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="109"/>
        <source>Cases in a flood zone</source>
        <translation>Số trường hợp trong vùng ngập</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="109"/>
        <source>Cases in or near a landslide zone</source>
        <translation>Số trường hợp trong hoặc gần vùng sạt lở</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="109"/>
        <source>Cases with unknown flood status</source>
        <translation>Số trường hợp chưa xác định được tình trạng ngập</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="109"/>
        <source>Hazard geometries repaired</source>
        <translation>Số hình học nguy cơ đã sửa</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="128"/>
        <source>The input layer is not an SOS case layer: it has no field id.</source>
        <translation>Lớp đầu vào không phải lớp trường hợp SOS: lớp không có trường id.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="136"/>
        <source>Choose at least one flood or landslide layer.</source>
        <translation>Hãy chọn ít nhất một lớp ngập lụt hoặc sạt lở.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="175"/>
        <source>Hazard fields written for {} cases.</source>
        <translation>Đã ghi các trường nguy cơ cho {} trường hợp.</translation>
    </message>
    <message>
        <location filename="../processing/analyse_hazards.py" line="66"/>
        <source>Checks every case of the case layer against flood layers (polygons, or rasters of depth in metres) and landslide layers (zones as polygons, past events as points), in any CRS, and writes in_flood, flood_event_count, in_landslide_zone, landslide_distance_m, hazard_note and priority into the case layer. A case counts as near a landslide within the landslide radius, in metres, unless a point has its own radius in a field radius_m or danger_radius_m. A case that cannot be analysed gets an empty (unknown) value, never &apos;not in flood&apos;. Invalid hazard polygons are repaired and counted.</source>
        <translation>Đối chiếu từng trường hợp của lớp trường hợp SOS với các lớp ngập lụt (vùng đa giác, hoặc raster độ sâu tính bằng mét) và các lớp sạt lở (vùng đa giác, điểm sạt lở đã xảy ra), ở bất kỳ hệ tọa độ nào, rồi ghi in_flood, flood_event_count, in_landslide_zone, landslide_distance_m, hazard_note và priority vào lớp trường hợp SOS. Một trường hợp được coi là gần sạt lở khi nằm trong bán kính sạt lở (tính bằng mét), trừ khi điểm sạt lở có bán kính riêng trong trường radius_m hoặc danger_radius_m. Trường hợp không phân tích được sẽ để trống (chưa xác định), không bao giờ ghi là 'không ngập'. Các đa giác nguy cơ không hợp lệ được sửa và đếm lại.</translation>
    </message>
</context>
<context>
    <name>SosCaseLayer</name>
    <message>
        <location filename="../case_layer.py" line="164"/>
        <source>Could not open the case layer {} in {}.</source>
        <translation>Không mở được lớp trường hợp SOS {} trong {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="207"/>
        <source>Could not create the layer {} in {}.</source>
        <translation>Không tạo được lớp {} trong {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="222"/>
        <source>Could not add the missing fields to the case layer {}.</source>
        <translation>Không thêm được các trường còn thiếu vào lớp trường hợp SOS {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="499"/>
        <source>Could not write the cases to the layer {}.</source>
        <translation>Không ghi được các trường hợp vào lớp {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="664"/>
        <source>Could not store the sync state in {}.</source>
        <translation>Không lưu được trạng thái đồng bộ vào {}.</translation>
    </message>
    <message>
        <location filename="../case_layer.py" line="531"/>
        <source>Could not read the outbox {}.</source>
        <translation>Không đọc được hàng đợi gửi {}.</translation>
    </message>
</context>
<context>
    <name>SosErrors</name>
    <message>
        <location filename="../gui/__init__.py" line="37"/>
        <source>An unexpected error happened. See the SOS log for details.</source>
        <translation>Đã xảy ra lỗi không lường trước. Xem chi tiết trong nhật ký SOS.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="340"/>
        <source>The server&apos;s list of cases is not a GeoJSON FeatureCollection.</source>
        <translation>Danh sách trường hợp do máy chủ gửi không phải là GeoJSON FeatureCollection.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="373"/>
        <source>The server sent case {case_id} without a version.</source>
        <translation>Máy chủ gửi trường hợp {case_id} mà không có số phiên bản.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="456"/>
        <source>The server&apos;s history of case {case_id} has no list of entries.</source>
        <translation>Lịch sử trường hợp {case_id} do máy chủ gửi không có danh sách các mục.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="586"/>
        <source>The server redirected a change (HTTP {status}) to {host}. The change was not sent there. Check the service URL.</source>
        <translation>Máy chủ chuyển hướng một thay đổi (HTTP {status}) sang {host}. Thay đổi không được gửi tới đó. Hãy kiểm tra địa chỉ dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="600"/>
        <source>The server redirected the request more than {count} times. Check the service URL.</source>
        <translation>Máy chủ chuyển hướng yêu cầu quá {count} lần. Hãy kiểm tra địa chỉ dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="710"/>
        <source>Could not connect to {host} within {seconds:g} seconds. Check the network and the proxy.</source>
        <translation>Không kết nối được tới {host} trong vòng {seconds:g} giây. Hãy kiểm tra mạng và máy chủ proxy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="713"/>
        <source>The server {host} did not answer within {seconds:g} seconds. Try again later.</source>
        <translation>Máy chủ {host} không phản hồi trong vòng {seconds:g} giây. Hãy thử lại sau.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="716"/>
        <source>The secure connection to {host} failed: its certificate is not trusted.</source>
        <translation>Kết nối bảo mật tới {host} thất bại: chứng chỉ của máy chủ không được tin cậy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="719"/>
        <source>Could not connect to {host} through the proxy. Check the proxy settings.</source>
        <translation>Không kết nối được tới {host} qua máy chủ proxy. Hãy kiểm tra cài đặt proxy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="727"/>
        <source>Could not connect to {host}. Check the network and the service URL.</source>
        <translation>Không kết nối được tới {host}. Hãy kiểm tra mạng và địa chỉ dịch vụ.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="748"/>
        <source>The server did not accept the sign-in (HTTP {status}). Sign in again.</source>
        <translation>Máy chủ không chấp nhận đăng nhập (HTTP {status}). Hãy đăng nhập lại.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="757"/>
        <source>Your account is not allowed to do this (HTTP {status}): {explanation}</source>
        <translation>Tài khoản của bạn không có quyền thực hiện thao tác này (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="766"/>
        <source>Not found on the server (HTTP {status}): {explanation}</source>
        <translation>Không tìm thấy trên máy chủ (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="776"/>
        <source>Someone else changed this case first (HTTP {status}). Compare both values and decide.</source>
        <translation>Người khác đã thay đổi trường hợp này trước (HTTP {status}). Hãy so sánh hai giá trị rồi quyết định.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="828"/>
        <source>The server answered with a web page (HTTP {status}). Check the service URL and the proxy.</source>
        <translation>Máy chủ trả về một trang web (HTTP {status}). Hãy kiểm tra địa chỉ dịch vụ và máy chủ proxy.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="795"/>
        <source>The server is busy and asked to slow down (HTTP {status}). Try again in a minute.</source>
        <translation>Máy chủ đang quá tải và yêu cầu giảm tần suất gửi (HTTP {status}). Hãy thử lại sau một phút.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="804"/>
        <source>The server failed to handle the request (HTTP {status}): {explanation}</source>
        <translation>Máy chủ không xử lý được yêu cầu (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="812"/>
        <source>The server rejected the request (HTTP {status}): {explanation}</source>
        <translation>Máy chủ từ chối yêu cầu (HTTP {status}): {explanation}</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="840"/>
        <source>The server answered with data that is not JSON (HTTP {status}).</source>
        <translation>Máy chủ trả về dữ liệu không phải JSON (HTTP {status}).</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="935"/>
        <source>The server returned {count} results for {expected} status changes.</source>
        <translation>Máy chủ trả về {count} kết quả cho {expected} thay đổi trạng thái.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="948"/>
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
        <location filename="../core/api_client.py" line="666"/>
        <source>The server&apos;s response is larger than {megabytes:g} MiB, so it was not read. Check the service URL, or ask for fewer cases per page.</source>
        <translation>Phản hồi của máy chủ lớn hơn {megabytes:g} MiB nên không được đọc. Hãy kiểm tra địa chỉ dịch vụ, hoặc yêu cầu ít trường hợp hơn trên mỗi trang.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="707"/>
        <source>The server {host} did not answer in full within {seconds:g} seconds. Try again later.</source>
        <translation>Máy chủ {host} không phản hồi đầy đủ trong vòng {seconds:g} giây. Hãy thử lại sau.</translation>
    </message>
    <message>
        <location filename="../core/api_client.py" line="724"/>
        <source>The connection to {host} broke before the whole response arrived. Try again.</source>
        <translation>Kết nối tới {host} bị ngắt trước khi nhận đủ phản hồi. Hãy thử lại.</translation>
    </message>
    <message>
        <location filename="../core/outbox.py" line="86"/>
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
        <location filename="../processing/fetch_cases.py" line="66"/>
        <source>Fetch SOS cases</source>
        <translation>Tải các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="80"/>
        <source>Service URL</source>
        <translation>Địa chỉ dịch vụ (URL)</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="85"/>
        <source>Authentication configuration (token)</source>
        <translation>Cấu hình xác thực (mã truy cập)</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="91"/>
        <source>Service area</source>
        <translation>Khu vực phục vụ</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="96"/>
        <source>Cases GeoPackage</source>
        <translation>Tệp GeoPackage chứa các trường hợp</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="96"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="103"/>
        <source>Cases fetched</source>
        <translation>Số trường hợp đã tải</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="103"/>
        <source>Cases added</source>
        <translation>Số trường hợp mới</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="103"/>
        <source>Cases updated</source>
        <translation>Số trường hợp đã cập nhật</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="103"/>
        <source>Records rejected</source>
        <translation>Số bản ghi bị loại</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="152"/>
        <source>Full fetch: every case is read.</source>
        <translation>Tải toàn bộ: đọc tất cả các trường hợp.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="152"/>
        <source>Fetching the cases changed since {}.</source>
        <translation>Đang tải các trường hợp thay đổi từ {}.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="167"/>
        <source>Cancelled: the GeoPackage was not changed.</source>
        <translation>Đã hủy: tệp GeoPackage không bị thay đổi.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="189"/>
        <source>Record rejected: {}</source>
        <translation>Bản ghi bị loại: {}</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="194"/>
        <source>{fetched} cases fetched: {added} new, {updated} updated, {rejected} rejected.</source>
        <translation>Đã tải {fetched} trường hợp: {added} mới, {updated} cập nhật, {rejected} bị loại.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="69"/>
        <source>Fetches SOS cases from the service into the layer sos_cases of a GeoPackage. When the GeoPackage already exists, its cases are updated in place: the first run fetches every case and later runs only the cases changed since the previous run. The token is read from the chosen QGIS authentication configuration. The service area is an optional extent: cases outside it are still fetched, and flagged outside_service_area in the field quality_flags.</source>
        <translation>Tải các trường hợp SOS từ dịch vụ vào lớp sos_cases của một tệp GeoPackage. Khi tệp GeoPackage đã có, các trường hợp trong đó được cập nhật tại chỗ: lần chạy đầu tải mọi trường hợp, các lần sau chỉ tải những trường hợp đã thay đổi kể từ lần trước. Mã truy cập được đọc từ cấu hình xác thực QGIS đã chọn. Vùng phục vụ là một phạm vi tùy chọn: các trường hợp nằm ngoài vùng vẫn được tải và được đánh dấu outside_service_area trong trường quality_flags.</translation>
    </message>
    <message>
        <location filename="../processing/fetch_cases.py" line="206"/>
        <source>{} cases with a status change still to be confirmed were left as they are.</source>
        <translation>{} trường hợp có thay đổi trạng thái còn chờ xác nhận được giữ nguyên.</translation>
    </message>
</context>
<context>
    <name>SosHazards</name>
    <message>
        <location filename="../hazard_layers.py" line="111"/>
        <source>No case has a location, so there is nothing to analyse.</source>
        <translation>Không trường hợp nào có vị trí nên không có gì để phân tích.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="170"/>
        <source>The hazard layer {} is not valid and was skipped.</source>
        <translation>Lớp nguy cơ {} không hợp lệ và đã được bỏ qua.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="198"/>
        <source>The layer {} cannot be used as a landslide layer: only vector layers are supported.</source>
        <translation>Không dùng được lớp {} làm lớp sạt lở: chỉ hỗ trợ lớp vector.</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="344"/>
        <source>{} features of the hazard layer {} were skipped (wrong geometry type or CRS).</source>
        <translation>Đã bỏ qua {} đối tượng của lớp nguy cơ {} (sai kiểu hình học hoặc hệ tọa độ).</translation>
    </message>
    <message>
        <location filename="../hazard_layers.py" line="591"/>
        <source>The hazard analysis was cancelled.</source>
        <translation>Đã hủy phân tích nguy cơ.</translation>
    </message>
</context>
<context>
    <name>SosPlugin</name>
    <message>
        <location filename="../plugin.py" line="370"/>
        <source>SOS</source>
        <translation>SOS</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="218"/>
        <source>Connect…</source>
        <translation>Kết nối…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="219"/>
        <source>Fetch now</source>
        <translation>Tải ngay</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="220"/>
        <source>Add flood layer…</source>
        <translation>Thêm lớp ngập lụt…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="223"/>
        <source>Add landslide layer…</source>
        <translation>Thêm lớp sạt lở…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="226"/>
        <source>Analyse hazards</source>
        <translation>Phân tích nguy cơ</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="229"/>
        <source>Set status of selected cases…</source>
        <translation>Đặt trạng thái cho các trường hợp đã chọn…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="357"/>
        <source>Some features are turned off: {missing}. To install: {hint}</source>
        <translation>Một số chức năng đang bị tắt: {missing}. Cách cài đặt: {hint}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="385"/>
        <source>The SOS service rejected the token, so auto-refresh is paused. Sign in again with SOS &gt; Connect… and enter a valid token.</source>
        <translation>Dịch vụ SOS từ chối mã truy cập nên đã tạm dừng tự động làm mới. Hãy đăng nhập lại qua SOS &gt; Kết nối… và nhập mã truy cập hợp lệ.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="491"/>
        <source>A fetch is already running. Wait for it to finish.</source>
        <translation>Đang có một lượt tải chạy. Hãy chờ lượt tải đó xong.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="549"/>
        <source>Add flood layer</source>
        <translation>Thêm lớp ngập lụt</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="551"/>
        <source>Add landslide layer</source>
        <translation>Thêm lớp sạt lở</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="552"/>
        <source>All files (*)</source>
        <translation>Tất cả các tệp (*)</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="563"/>
        <source>Added {name} as a {kind} layer.</source>
        <translation>Đã thêm {name} làm lớp {kind}.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="568"/>
        <source>flood</source>
        <translation>ngập lụt</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="568"/>
        <source>landslide</source>
        <translation>sạt lở</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="583"/>
        <source>{path} could not be opened as a vector or raster layer.</source>
        <translation>Không mở được {path} dưới dạng lớp vector hoặc raster.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="599"/>
        <source>There is no case layer yet. Fetch cases first.</source>
        <translation>Chưa có lớp trường hợp SOS. Hãy tải các trường hợp trước.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="604"/>
        <source>There is no hazard layer. Add a flood or landslide layer first.</source>
        <translation>Chưa có lớp nguy cơ. Hãy thêm lớp ngập lụt hoặc sạt lở trước.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="640"/>
        <source>No cases are selected. Select cases on the case layer first.</source>
        <translation>Chưa chọn trường hợp nào. Hãy chọn các trường hợp trên lớp trường hợp SOS trước.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="232"/>
        <source>Resolve conflicts…</source>
        <translation>Giải quyết xung đột…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="865"/>
        <source>The status changes could not be stored in the outbox {path}: {error}</source>
        <translation>Không lưu được các thay đổi trạng thái vào hàng đợi gửi {path}: {error}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="774"/>
        <source>There are no status conflicts to resolve.</source>
        <translation>Không có xung đột trạng thái nào cần giải quyết.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="823"/>
        <source>The choices could not be stored in the outbox: {}</source>
        <translation>Không lưu được các lựa chọn vào hàng đợi gửi: {}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="831"/>
        <source>{kept} conflicts resolved by keeping theirs, {applied} by applying yours.</source>
        <translation>Đã giải quyết {kept} xung đột bằng cách giữ của họ, {applied} xung đột bằng cách áp dụng của bạn.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="235"/>
        <source>Retry failed changes…</source>
        <translation>Thử lại các thay đổi bị lỗi…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="855"/>
        <source>There are no failed status changes to retry.</source>
        <translation>Không có thay đổi trạng thái bị lỗi nào cần thử lại.</translation>
    </message>
</context>
<context>
    <name>SosProvider</name>
    <message>
        <location filename="../processing/provider.py" line="38"/>
        <source>SOS</source>
        <translation>SOS</translation>
    </message>
    <message>
        <location filename="../processing/provider.py" line="41"/>
        <source>SOS rescue cases</source>
        <translation>Các trường hợp cứu hộ SOS</translation>
    </message>
</context>
<context>
    <name>SosSetStatus</name>
    <message>
        <location filename="../processing/set_status.py" line="73"/>
        <source>Set status of SOS cases</source>
        <translation>Đặt trạng thái cho các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="86"/>
        <source>Cases</source>
        <translation>Các trường hợp</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="93"/>
        <source>New status</source>
        <translation>Trạng thái mới</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="101"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="106"/>
        <source>Service URL</source>
        <translation>Địa chỉ dịch vụ (URL)</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="111"/>
        <source>Authentication configuration (token)</source>
        <translation>Cấu hình xác thực (mã truy cập)</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="117"/>
        <source>Changes sent</source>
        <translation>Số thay đổi đã gửi</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="117"/>
        <source>Changes confirmed</source>
        <translation>Số thay đổi được xác nhận</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="117"/>
        <source>Conflicts</source>
        <translation>Số xung đột</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="117"/>
        <source>Changes failed</source>
        <translation>Số thay đổi thất bại</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="177"/>
        <source>The input is not an SOS case layer: it has no field id.</source>
        <translation>Đầu vào không phải lớp trường hợp SOS: không có trường id.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="197"/>
        <source>No case to change: the input has no case with an id.</source>
        <translation>Không có trường hợp nào để thay đổi: đầu vào không có trường hợp nào có id.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="219"/>
        <source>Case {case_id}: {outcome} {detail}</source>
        <translation>Trường hợp {case_id}: {outcome} {detail}</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="76"/>
        <source>Sends the chosen status, with an optional note, for every case of the input layer (or only the selected cases) to the SOS service in one batch request. Each change is checked against the case&apos;s version in the layer: a case changed by someone else in the meantime is reported as a conflict and not changed. Only the changes the service confirms are written to the layer.</source>
        <translation>Gửi trạng thái đã chọn, kèm ghi chú nếu có, cho mọi trường hợp của lớp đầu vào (hoặc chỉ các trường hợp đã chọn) tới dịch vụ SOS trong một yêu cầu gộp. Mỗi thay đổi được đối chiếu với phiên bản của trường hợp trong lớp: trường hợp đã bị người khác thay đổi trong lúc đó được báo là xung đột và không bị thay đổi. Chỉ những thay đổi được dịch vụ xác nhận mới được ghi vào lớp.</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="210"/>
        <source>The status changes could not be stored in the outbox {path}: {error}</source>
        <translation>Không lưu được các thay đổi trạng thái vào hàng đợi gửi {path}: {error}</translation>
    </message>
    <message>
        <location filename="../processing/set_status.py" line="226"/>
        <source>{error} The status changes not sent are kept in the outbox {path} and the plugin sends them again after its next refresh.</source>
        <translation>{error} Các thay đổi trạng thái chưa gửi được giữ trong hàng đợi gửi {path} và plugin sẽ gửi lại sau lần làm mới tiếp theo.</translation>
    </message>
</context>
<context>
    <name>SosStatus</name>
    <message>
        <location filename="../style.py" line="53"/>
        <source>Needs help</source>
        <translation>Cần hỗ trợ</translation>
    </message>
    <message>
        <location filename="../style.py" line="54"/>
        <source>In progress</source>
        <translation>Đang hỗ trợ</translation>
    </message>
    <message>
        <location filename="../style.py" line="55"/>
        <source>Supported</source>
        <translation>Đã hỗ trợ</translation>
    </message>
    <message>
        <location filename="../style.py" line="56"/>
        <source>Unreachable</source>
        <translation>Không liên lạc được</translation>
    </message>
    <message>
        <location filename="../style.py" line="57"/>
        <source>Duplicate</source>
        <translation>Trùng lặp</translation>
    </message>
</context>
<context>
    <name>SosStyle</name>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Case</source>
        <translation>Trường hợp</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>People</source>
        <translation>Số người</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Households</source>
        <translation>Số hộ</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Urgency</source>
        <translation>Mức khẩn cấp</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Description</source>
        <translation>Mô tả</translation>
    </message>
    <message>
        <location filename="../style.py" line="72"/>
        <source>Priority</source>
        <translation>Mức ưu tiên</translation>
    </message>
    <message>
        <location filename="../style.py" line="189"/>
        <source>Other status</source>
        <translation>Trạng thái khác</translation>
    </message>
    <message>
        <location filename="../style.py" line="157"/>
        <source>SOS case style</source>
        <translation>Kiểu hiển thị trường hợp SOS</translation>
    </message>
</context>
<context>
    <name>SosTasks</name>
    <message>
        <location filename="../tasks.py" line="93"/>
        <source>An unexpected error occurred. The QGIS log (tag SOS) has the details.</source>
        <translation>Đã xảy ra lỗi không lường trước. Xem chi tiết trong nhật ký QGIS (thẻ SOS).</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="158"/>
        <source>Fetching SOS cases</source>
        <translation>Đang tải các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="187"/>
        <source>The case layer was removed while the cases were fetched; nothing was written.</source>
        <translation>Lớp trường hợp SOS đã bị gỡ trong lúc tải nên không ghi gì.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="233"/>
        <source>The refresh was cancelled. The case layer was not changed.</source>
        <translation>Đã hủy làm mới. Lớp trường hợp SOS không bị thay đổi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="239"/>
        <source>The refresh failed and the case layer was not changed: {}</source>
        <translation>Làm mới thất bại, lớp trường hợp SOS không bị thay đổi: {}</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="255"/>
        <source>The service returned no cases for this area.</source>
        <translation>Dịch vụ không trả về trường hợp nào cho khu vực này.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="256"/>
        <source>No case changed since the last refresh.</source>
        <translation>Không có trường hợp nào thay đổi kể từ lần làm mới trước.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="257"/>
        <source>{fetched} cases fetched: {added} new, {updated} updated, {unchanged} unchanged.</source>
        <translation>Đã tải {fetched} trường hợp: {added} mới, {updated} cập nhật, {unchanged} không đổi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="263"/>
        <source>{} records were rejected as invalid; the log lists them.</source>
        <translation>{} bản ghi bị loại vì không hợp lệ; danh sách có trong nhật ký.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="314"/>
        <source>Analysing SOS cases against hazards</source>
        <translation>Đang phân tích nguy cơ cho các trường hợp SOS</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="344"/>
        <source>The hazard analysis was cancelled. The case layer was not changed.</source>
        <translation>Đã hủy phân tích nguy cơ. Lớp trường hợp SOS không bị thay đổi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="349"/>
        <source>The hazard analysis failed and the case layer was not changed: {}</source>
        <translation>Phân tích nguy cơ thất bại, lớp trường hợp SOS không bị thay đổi: {}</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="355"/>
        <source>The case layer was removed during the hazard analysis; nothing was written.</source>
        <translation>Lớp trường hợp SOS đã bị gỡ trong lúc phân tích nguy cơ nên không ghi gì.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="394"/>
        <source>{} invalid hazard geometries were repaired; the log lists them.</source>
        <translation>Đã sửa {} hình học nguy cơ không hợp lệ; danh sách có trong nhật ký.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="677"/>
        <source>Sending status changes</source>
        <translation>Đang gửi các thay đổi trạng thái</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="458"/>
        <source>The status changes could not be sent: {}</source>
        <translation>Không gửi được các thay đổi trạng thái: {}</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="625"/>
        <source>{sent} status changes sent: {confirmed} confirmed, {conflicts} conflicts, {failed} failed.</source>
        <translation>Đã gửi {sent} thay đổi trạng thái: {confirmed} được xác nhận, {conflicts} xung đột, {failed} thất bại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="383"/>
        <source>{analysed} cases analysed: {in_flood} in a flood zone, {in_landslide} in or near a landslide zone, {unknown} with unknown flood status.</source>
        <translation>Đã phân tích {analysed} trường hợp: {in_flood} trong vùng ngập, {in_landslide} trong hoặc gần vùng sạt lở, {unknown} chưa xác định được tình trạng ngập.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="267"/>
        <source>{} cases with a status change waiting to be sent were kept as they are.</source>
        <translation>{} trường hợp có thay đổi trạng thái đang chờ gửi được giữ nguyên.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="294"/>
        <source>Could not read or write the outbox {}.</source>
        <translation>Không đọc hoặc ghi được hàng đợi gửi {}.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="616"/>
        <source>{ids} and {count} more</source>
        <translation>{ids} và {count} trường hợp khác</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="637"/>
        <source>Conflicts: {}. Open SOS &gt; Resolve conflicts… to choose which status to keep.</source>
        <translation>Xung đột: {}. Mở SOS &gt; Giải quyết xung đột… để chọn trạng thái cần giữ.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="643"/>
        <source>Failed: {}. The outbox keeps them for a retry.</source>
        <translation>Gửi lỗi: {}. Hàng đợi gửi giữ lại chúng để thử lại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="649"/>
        <source>{count} status changes could not be sent: {error} They are kept and will be sent again.</source>
        <translation>Không gửi được {count} thay đổi trạng thái: {error} Chúng được giữ lại và sẽ được gửi lại.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="656"/>
        <source>No status changes are waiting to be sent.</source>
        <translation>Không có thay đổi trạng thái nào đang chờ gửi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="701"/>
        <source>The status changes could not be sent: {} They are kept in the outbox.</source>
        <translation>Không gửi được các thay đổi trạng thái: {} Chúng được giữ trong hàng đợi gửi.</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="758"/>
        <source>Reading the history of cases</source>
        <translation>Đang đọc lịch sử của các trường hợp</translation>
    </message>
</context>
<context>
    <name>StatusDialog</name>
    <message>
        <location filename="../gui/status_dialog.py" line="36"/>
        <source>Selected cases: {count}</source>
        <translation>Số trường hợp đã chọn: {count}</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.py" line="42"/>
        <source>What happened, e.g. all people evacuated by boat</source>
        <translation>Tình hình thực tế, ví dụ: đã sơ tán toàn bộ bằng thuyền</translation>
    </message>
    <message>
        <location filename="../gui/status_dialog.ui" line="14"/>
        <source>Set status of selected cases</source>
        <translation>Đặt trạng thái cho các trường hợp đã chọn</translation>
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
        <location filename="../gui/status_dialog.ui" line="58"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
</context>
</TS>
